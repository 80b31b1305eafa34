package node

// The core module's admin handlers (spec 03 §5.4): the node itself, its
// peers, switch ports, DHT and sessions, run-time peer and allowed-key
// changes, and the two requests that wait for a remote node (dhtPing,
// getNodeInfo). Units follow v0.3.16 exactly: durations are float
// seconds, counters and ports JSON integers, coords strings like "[1 2]".

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/version"
	"github.com/yggmesh/ygg/src/wire"
)

// remoteTimeout bounds dhtPing and getNodeInfo. v0.3.16 gives up after
// about 6 s on both.
const remoteTimeout = 6 * time.Second

type coreHandlers struct {
	c *core.Core
	// ctx ends when the node stops, so a remote query cannot hold up the
	// shutdown.
	ctx context.Context
}

func newCoreHandlers(c *core.Core, ctx context.Context) *coreHandlers {
	return &coreHandlers{c: c, ctx: ctx}
}

func (h *coreHandlers) handlers() []adminHandler {
	return []adminHandler{
		{"getSelf", nil, h.getSelf},
		{"getPeers", nil, h.getPeers},
		{"getSwitchPeers", nil, h.getSwitchPeers},
		{"getDHT", nil, h.getDHT},
		{"getSessions", nil, h.getSessions},
		{"addPeer", []string{"uri", "[interface]"}, h.addPeer},
		{"removePeer", []string{"uri", "[interface]"}, h.removePeer},
		{"disconnectPeer", []string{"port"}, h.disconnectPeer},
		{"getAllowedEncryptionPublicKeys", nil, h.getAllowedKeys},
		{"addAllowedEncryptionPublicKey", []string{"box_pub_key"}, h.addAllowedKey},
		{"removeAllowedEncryptionPublicKey", []string{"box_pub_key"}, h.removeAllowedKey},
		{"dhtPing", []string{"box_pub_key", "coords", "[target]"}, h.dhtPing},
		{"getNodeInfo", []string{"[box_pub_key]", "[coords]", "[nocache]"}, h.getNodeInfo},
	}
}

// getSelf has no node_id or box_sig_key: v0.3.16 does not report them.
func (h *coreHandlers) getSelf(admin.Info) (admin.Info, error) {
	self := h.c.Self()
	return admin.Info{"self": admin.Info{
		self.Address.String(): admin.Info{
			"box_pub_key":   self.BoxPub.String(),
			"build_name":    version.Name(),
			"build_version": version.Version(),
			"coords":        self.Coords.String(),
			"subnet":        self.Subnet.String(),
		},
	}}, nil
}

// getPeers is keyed by the peer's address, so several links to one node
// show as one entry: the core lists ports in ascending order and the last
// (highest) port wins, as in v0.3.16. The node itself is the port 0 entry.
//
// Its byte counters are the totals over all links. v0.3.16 counts there
// only what this node itself sent and received (the router's traffic, not
// traffic passing through), which the core does not count separately; for
// the usual leaf node with one peer the two agree.
func (h *coreHandlers) getPeers(admin.Info) (admin.Info, error) {
	peers := admin.Info{}
	var recvd, sent uint64
	for _, p := range h.c.Peers() {
		recvd += p.BytesRecvd
		sent += p.BytesSent
		peers[p.Address.String()] = admin.Info{
			"box_pub_key": p.BoxPub.String(),
			"bytes_recvd": p.BytesRecvd,
			"bytes_sent":  p.BytesSent,
			"endpoint":    p.Endpoint,
			"port":        p.Port,
			"proto":       p.Proto,
			"uptime":      p.Uptime.Seconds(),
		}
	}
	self := h.c.Self()
	peers[self.Address.String()] = admin.Info{
		"box_pub_key": self.BoxPub.String(),
		"bytes_recvd": recvd,
		"bytes_sent":  sent,
		"endpoint":    "(self)",
		"port":        0,
		"proto":       "self",
		"uptime":      time.Since(h.c.Started()).Seconds(),
	}
	return admin.Info{"peers": peers}, nil
}

// getSwitchPeers lists the ports the switch routes through (peers whose
// switch message it has accepted), keyed by port number as a string.
func (h *coreHandlers) getSwitchPeers(admin.Info) (admin.Info, error) {
	ports := admin.Info{}
	for _, p := range h.c.Peers() {
		if !p.InTable {
			continue
		}
		ports[strconv.FormatUint(p.Port, 10)] = admin.Info{
			"box_pub_key": p.BoxPub.String(),
			"bytes_recvd": p.BytesRecvd,
			"bytes_sent":  p.BytesSent,
			"coords":      p.Coords.String(),
			"endpoint":    p.Remote,
			"ip":          p.Address.String(),
			"port":        p.Port,
			"proto":       p.Proto,
		}
	}
	return admin.Info{"switchpeers": ports}, nil
}

func (h *coreHandlers) getDHT(admin.Info) (admin.Info, error) {
	nodes := admin.Info{}
	for _, e := range h.c.DHT() {
		nodes[e.Address.String()] = admin.Info{
			"box_pub_key": e.BoxPub.String(),
			"coords":      e.Coords.String(),
			"last_seen":   e.LastSeen.Seconds(),
		}
	}
	return admin.Info{"dht": nodes}, nil
}

// getSessions reports was_mtu_fixed as false always, as v0.3.16 does.
func (h *coreHandlers) getSessions(admin.Info) (admin.Info, error) {
	sessions := admin.Info{}
	for _, s := range h.c.Sessions() {
		sessions[s.Address.String()] = admin.Info{
			"box_pub_key":   s.BoxPub.String(),
			"bytes_recvd":   s.BytesRecvd,
			"bytes_sent":    s.BytesSent,
			"coords":        s.Coords.String(),
			"mtu":           s.MTU,
			"uptime":        s.Uptime.Seconds(),
			"was_mtu_fixed": false,
		}
	}
	return admin.Info{"sessions": sessions}, nil
}

// addPeer fails for a bad URI or one already configured; in the second
// case the one-off call has been made all the same (core.AddPeer).
func (h *coreHandlers) addPeer(req admin.Info) (admin.Info, error) {
	uri, err := req.GetString("uri")
	if err != nil {
		return nil, err
	}
	iface, _, err := req.GetOptionalString("interface")
	if err != nil {
		return nil, err
	}
	if err := h.c.AddPeer(uri, iface); err != nil {
		return admin.Info{"not_added": []string{uri}}, errors.New("Failed to add peer")
	}
	return admin.Info{"added": []string{uri}}, nil
}

// removePeer always succeeds, whether or not anything matched.
func (h *coreHandlers) removePeer(req admin.Info) (admin.Info, error) {
	uri, err := req.GetString("uri")
	if err != nil {
		return nil, err
	}
	iface, _, err := req.GetOptionalString("interface")
	if err != nil {
		return nil, err
	}
	h.c.RemovePeer(uri, iface)
	return admin.Info{"removed": []string{uri}}, nil
}

// disconnectPeer takes the port as a number or a numeric string; a value
// that does not parse is a handler error with strconv's text. Port 0 (the
// node itself), negative and unknown ports are accepted and ignored.
func (h *coreHandlers) disconnectPeer(req admin.Info) (admin.Info, error) {
	port, err := req.GetInt64("port")
	if err != nil {
		return admin.Info{}, err
	}
	if port > 0 {
		h.c.DisconnectPort(uint64(port))
	}
	return admin.Info{"disconnected": []string{strconv.FormatInt(port, 10)}}, nil
}

// getAllowedKeys lists the keys exactly as stored: [] for the default
// config, null if the config held null.
func (h *coreHandlers) getAllowedKeys(admin.Info) (admin.Info, error) {
	return admin.Info{"allowed_box_pubs": h.c.AllowedKeys()}, nil
}

// addAllowedKey stores the text verbatim, unchecked, as v0.3.16 does: the
// list is compared as strings against the hex of a peer's key.
func (h *coreHandlers) addAllowedKey(req admin.Info) (admin.Info, error) {
	key, err := req.GetString("box_pub_key")
	if err != nil {
		return nil, err
	}
	h.c.AddAllowedKey(key)
	return admin.Info{"added": []string{key}}, nil
}

func (h *coreHandlers) removeAllowedKey(req admin.Info) (admin.Info, error) {
	key, err := req.GetString("box_pub_key")
	if err != nil {
		return nil, err
	}
	h.c.RemoveAllowedKey(key)
	return admin.Info{"removed": []string{key}}, nil
}

// dhtPing asks a node for the nodes it knows nearest to target. Without a
// target (absent or null, as v0.3.16 tests it) the request echo gains
// "target":"none"; a target that is not hex means the pinged node's own
// NodeID, and hex shorter or longer than a NodeID fills it from the front.
func (h *coreHandlers) dhtPing(req admin.Info) (admin.Info, error) {
	if req["target"] == nil {
		req["target"] = "none"
	}
	keyText, coordsText, err := keyAndCoords(req)
	if err != nil {
		return nil, err
	}
	targetText, err := req.GetString("target")
	if err != nil {
		return nil, err
	}
	key, err := parseKeyArg(keyText)
	if err != nil {
		return admin.Info{}, err
	}
	var target *crypto.NodeID
	if b, err := hex.DecodeString(targetText); err == nil && len(b) > 0 {
		target = new(crypto.NodeID)
		copy(target[:], b)
	}
	ctx, cancel := context.WithTimeout(h.ctx, remoteTimeout)
	defer cancel()
	found, err := h.c.DHTPing(ctx, key, parseCoords(coordsText), target)
	if err != nil {
		return admin.Info{}, fmt.Errorf("DHT ping timeout: %s", key)
	}
	nodes := admin.Info{}
	for _, e := range found {
		nodes[e.Address.String()] = admin.Info{
			"box_pub_key": e.BoxPub.String(),
			"coords":      e.Coords.String(),
		}
	}
	return admin.Info{"nodes": nodes}, nil
}

// getNodeInfo answers with this node's NodeInfo when given neither a key
// nor coords, asks the remote node when given both, and refuses one
// without the other. A null argument counts as absent, as in v0.3.16.
// nocache must be a string unless absent or null; it changes nothing, since
// every remote request goes out fresh (v0.3.16 does the same).
func (h *coreHandlers) getNodeInfo(req admin.Info) (admin.Info, error) {
	if req["nocache"] != nil {
		if _, err := req.GetString("nocache"); err != nil {
			return nil, err
		}
	}
	hasKey, hasCoords := req["box_pub_key"] != nil, req["coords"] != nil
	switch {
	case !hasKey && !hasCoords:
		info, err := decodeNodeInfo(h.c.OwnNodeInfo())
		if err != nil {
			return admin.Info{}, err
		}
		return admin.Info{"nodeinfo": info}, nil
	case !hasKey || !hasCoords:
		return admin.Info{}, errors.New("Expecting both box_pub_key and coords")
	}
	keyText, coordsText, err := keyAndCoords(req)
	if err != nil {
		return nil, err
	}
	key, err := parseKeyArg(keyText)
	if err != nil {
		return admin.Info{}, err
	}
	ctx, cancel := context.WithTimeout(h.ctx, remoteTimeout)
	defer cancel()
	raw, err := h.c.NodeInfo(ctx, key, parseCoords(coordsText))
	if err != nil {
		return admin.Info{}, fmt.Errorf("getNodeInfo timeout: %s", key)
	}
	info, err := decodeNodeInfo(raw)
	if err != nil {
		return admin.Info{}, err
	}
	return admin.Info{"nodeinfo": info}, nil
}

// keyAndCoords reads the two string arguments of dhtPing and getNodeInfo.
func keyAndCoords(req admin.Info) (key, coords string, err error) {
	if key, err = req.GetString("box_pub_key"); err != nil {
		return "", "", err
	}
	if coords, err = req.GetString("coords"); err != nil {
		return "", "", err
	}
	return key, coords, nil
}

// parseKeyArg decodes a box public key argument. Bad hex gets the hex
// decoder's own text, as in v0.3.16. A key of the wrong length is an error
// here; v0.3.16 pads or cuts it and then waits 6 s for a node that cannot
// exist.
func parseKeyArg(s string) (crypto.BoxPubKey, error) {
	var key crypto.BoxPubKey
	b, err := hex.DecodeString(s)
	if err != nil {
		return key, err
	}
	if len(b) != len(key) {
		return key, fmt.Errorf("box_pub_key has %d bytes, want %d", len(b), len(key))
	}
	copy(key[:], b)
	return key, nil
}

// parseCoords reads coords the lenient v0.3.16 way: brackets stripped,
// split on single spaces, each token an unsigned integer with an optional
// base prefix ("0x10"), tokens that do not parse skipped. So "1" and "[1]"
// are the same, and "[]" is the root.
func parseCoords(s string) wire.Coords {
	coords := wire.Coords{}
	for _, tok := range strings.Split(strings.Trim(s, "[]"), " ") {
		if port, err := strconv.ParseUint(tok, 0, 64); err == nil {
			coords = append(coords, port)
		}
	}
	return coords
}

// decodeNodeInfo turns NodeInfo JSON into a value the envelope re-encodes
// with sorted keys, numbers kept exactly as written.
func decodeNodeInfo(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("NodeInfo is not valid JSON: %v", err)
	}
	return v, nil
}
