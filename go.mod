module github.com/yggmesh/ygg

go 1.26.0

require (
	github.com/Arceliar/phony v0.0.0-20220903101357-530938a4b13d
	github.com/hjson/hjson-go/v4 v4.6.0
	golang.org/x/crypto v0.58.0
	golang.org/x/net v0.60.0
	golang.org/x/sys v0.49.0
	golang.zx2c4.com/wireguard v0.0.0-20260522210424-ecfc5a8d5446
)

require golang.zx2c4.com/wintun v0.0.0-20230126152724-0fa3db229ce2 // indirect
