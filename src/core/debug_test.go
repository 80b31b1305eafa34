package core

import (
	"fmt"
	"strings"
)

// dumpNet describes every node's view, for failure messages.
func dumpNet(nodes []*testNode) string {
	var sb strings.Builder
	for _, n := range nodes {
		s := n.Self()
		fmt.Fprintf(&sb, "%s root=%s..%s coords=%v parent=%d tree=%s\n", n.name, s.Root.String()[:8], "", s.Coords, s.Parent, n.SigPub().String()[:8])
		for _, p := range n.Peers() {
			fmt.Fprintf(&sb, "    port %d -> %s intable=%v coords=%v in=%d out=%d\n", p.Port, p.SigPub.String()[:8], p.InTable, p.Coords, p.BytesRecvd, p.BytesSent)
		}
	}
	return sb.String()
}
