// Package transport makes the byte streams that peer links run over: TCP,
// TLS and SOCKS5 dials, optionally bound to a network interface, and TCP/TLS
// listeners (spec 01 §4.1–§4.6, spec 03 §2.2).
//
// Everything below the metadata handshake lives here. A Dialer or Listener
// hands over a connected net.Conn (TLS already negotiated for tls://) plus a
// LinkInfo describing it; the link actor in src/core then sends the 102-byte
// metadata and frames over it. Nothing in this package reads or writes
// protocol bytes.
//
// Both directions apply the "Yggdrasil over Yggdrasil" guard (§4.6): a
// connection whose local address lies in 0200::/7 is closed and never handed
// over, because carrying the mesh over itself would loop.
//
// Each stage of a dial has its own timeout (Dialer): resolving and
// connecting, the SOCKS exchange, the TLS handshake; the caller's context
// only cancels.
//
// Inbound connections pass a node-wide admission Gate before anything else:
// a connection takes a slot when it is accepted, or is closed at once, and
// keeps it until its owner says the handshake is done, so hostile clients
// that connect and stay silent cost a bounded number of sockets,
// goroutines and buffers.
//
// The package has no actors of its own: dialling is a blocking call made by a
// caller's goroutine, and a Listener runs one accept goroutine plus one short
// goroutine per admitted connection for the TLS handshake, so a slow client
// never holds up the others.
package transport
