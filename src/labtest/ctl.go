//go:build linux

package labtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// SelfInfo is a node's answer to getSelf (spec 03 §5.4).
type SelfInfo struct {
	Address   string
	BoxPubKey string
	Coords    []uint64
	Subnet    string
}

// GetSelf asks the node for getSelf through yggdrasilctl -json.
func (n *Node) GetSelf() (SelfInfo, error) {
	out, err := n.Ctl("-json", "getSelf")
	if err != nil {
		return SelfInfo{}, err
	}
	return ParseGetSelf([]byte(out))
}

// ParseGetSelf parses the getSelf response object as yggdrasilctl -json
// prints it: {"self": {"<address>": {"box_pub_key": ..., "coords": "[1 2]",
// "subnet": ...}}}.
func ParseGetSelf(data []byte) (SelfInfo, error) {
	var resp struct {
		Self map[string]struct {
			BoxPubKey string `json:"box_pub_key"`
			Coords    string `json:"coords"`
			Subnet    string `json:"subnet"`
		} `json:"self"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return SelfInfo{}, fmt.Errorf("getSelf: %w", err)
	}
	if len(resp.Self) != 1 {
		return SelfInfo{}, fmt.Errorf("getSelf: want one entry under self, got %d", len(resp.Self))
	}
	var info SelfInfo
	for addr, e := range resp.Self { // exactly one entry
		coords, err := ParseCoords(e.Coords)
		if err != nil {
			return SelfInfo{}, fmt.Errorf("getSelf: %w", err)
		}
		info = SelfInfo{Address: addr, BoxPubKey: e.BoxPubKey, Coords: coords, Subnet: e.Subnet}
	}
	return info, nil
}

// ParseCoords parses coords in their text form, "[]" or "[1 2 3]".
func ParseCoords(s string) ([]uint64, error) {
	inner, ok := strings.CutPrefix(s, "[")
	if ok {
		inner, ok = strings.CutSuffix(inner, "]")
	}
	if !ok {
		return nil, fmt.Errorf("coords %q are not in brackets", s)
	}
	coords := []uint64{}
	for _, f := range strings.Fields(inner) {
		p, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("coords %q: bad port %q", s, f)
		}
		coords = append(coords, p)
	}
	return coords, nil
}
