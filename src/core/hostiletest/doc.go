// Package hostiletest is a kit for hostile-peer tests: a scripted peer that
// completes the real v0.3.16 link handshake with a node over any net.Conn
// and then sends whatever a test chooses, while a background reader
// decodes what the node sends back.
//
// It speaks the wire protocol through src/wire and src/crypto only and
// does not import src/core, so src/core's own tests can use it.
//
//	p, err := hostiletest.Dial(addr, hostiletest.Options{})   // or Handshake(conn, opts)
//	defer p.Close()
//	p.Announce(1, 5*time.Second)               // extend the node's switch message
//	ev, err := p.Await(5*time.Second, func(ev hostiletest.Event) bool {
//		return ev.Protocol != nil && ev.Protocol.DHTReq != nil
//	})
//	p.AnswerDHT(ev.Protocol, p.MadeUpEntries(300, ourCoords))
//
// Keys: Identity (box and signing pairs), KeySource (crypto-random, or
// seeded for repeatable keys), IdentityBetterThan (a key that wins the
// root election). Sending: SendFrame, SendFrames, Block (many frames, one
// write), WriteRaw (no framing), SendSwitchMsg with RootAnnouncement,
// Extend, WithLastPort and ParentChain, SealProtocol/SendProtocol from any
// key pair to any key and coords, ToNode/SendToNode, and the unsealed
// ProtocolPacket and TrafficPacket for floods. Receiving: Events, Await,
// a Handler, Pause and Resume (stop reading so the node's writes block),
// WaitClosed, Stats. Answering: AnswerDHT, AnswerPing, AnswerNodeInfo and
// the Handlers AnswerDHTRequests and AnswerPings, listing made-up nodes
// (MadeUp, MadeUpEntries) whose keys the reader can open packets for.
// DialIdle opens connections that never finish the handshake; DialContext
// gives up with its context; Options.Keepalive sends empty frames as a live
// peer does; Eventually polls a condition for tests.
package hostiletest
