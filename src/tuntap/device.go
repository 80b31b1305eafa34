package tuntap

// Device is a TUN device seen through the batch interface of
// golang.zx2c4.com/wireguard/tun.Device (the subset the adapter needs), so
// a wireguard device satisfies it as it is. Packets are raw IP packets with
// no link header. Every buffer the adapter passes has Offset bytes of
// headroom in front of the packet, which the device may use.
type Device interface {
	// Read blocks until at least one packet arrives, fills bufs[i][offset:]
	// and sizes[i] for each packet read and returns how many. After Close
	// it returns an error.
	Read(bufs [][]byte, sizes []int, offset int) (n int, err error)
	// Write writes each bufs[i][offset:] as one packet.
	Write(bufs [][]byte, offset int) (int, error)
	MTU() (int, error)
	Name() (string, error)
	// BatchSize is the most packets one Read or Write handles.
	BatchSize() int
	// Close releases the device and makes a blocked Read return.
	Close() error
}

// Offset is the headroom in front of each packet buffer given to a Device.
// wireguard's Linux TUN writes its 10-byte virtio-net header there.
const Offset = 16

// MTU limits (spec 03 §3.3). Linux TUN devices go up to 65535.
const (
	MinMTU = 1280
	MaxMTU = 65535
)

// clampMTU gives the effective interface MTU for a configured IfMTU.
func clampMTU(ifMTU uint64) uint64 { return min(max(ifMTU, MinMTU), MaxMTU) }
