// Package dht holds the Chord-like DHT table and the iterative search logic
// of Yggdrasil v0.3.16 (spec 02 §3, §4) as plain, deterministic state.
//
// Nothing here runs by itself: there are no goroutines, locks, timers or
// clock reads, and no I/O. The router actor owns one Table and its Searches,
// passes "now" into every call, and turns the returned decisions (answers to
// send, nodes to ping, next search candidates) into dhtReq/dhtRes packets.
// Keeping the logic pure lets tests drive whole simulated networks on
// virtual time and compare every decision with the spec.
//
// The flow, as the owning actor sees it:
//
//   - a valid switch message from a direct peer: AddPeer, then send the peer
//     a DHT ping (a dhtReq whose Dest is our own NodeID);
//   - a dhtReq: HandleRequest gives the entries to answer with and whether
//     to ping the requester;
//   - a dhtRes: HandleResponse fires the callbacks registered for it (the
//     searches), accepts it only if we asked, and gives the nodes to ping;
//   - every second: Maintain gives the nodes to ping and expires requests
//     and callbacks;
//   - our locator changed: Reset gives the nodes to ping from the new coords
//     and empties the table.
//
// Pings the Table asks for are already recorded as outstanding requests
// (except those from Reset, whose answers the reference ignores); every
// other dhtReq the actor sends, such as a search step or an admin ping, must
// be recorded with SentRequest so that its answer is accepted.
package dht
