//go:build race

package tree

// raceEnabled lets the slowest simulation skip itself under -race: Tree
// runs on one goroutine, and the detector slows the ed25519 work tenfold.
const raceEnabled = true
