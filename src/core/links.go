package core

// The links actor owns the node's listeners, its outbound calls and the
// table of established links (spec 01 §4.1–4.3, §4.8–4.9):
//
//   - A call is named by transport.PeerURI.CallName; a second call with the
//     same name does nothing while the first is dialling or connected, and
//     for a hold-off of 6 s plus up to 10 s after it ends.
//   - Configured peers are called at start and every 60 s, and also as soon
//     as their hold-off ends after a drop or a failed dial; the hold-off
//     doubles with each consecutive failed dial, up to 60 s. (v0.3.16 only
//     calls again on the next 60 s tick.)
//   - An accepted or dialled connection becomes a link; after the metadata
//     exchange the link asks _register here, which applies
//     AllowedEncryptionPublicKeys (inbound, non-link-local only), refuses
//     a second link with the same (keys, protocol, local IP, remote IP),
//     and applies the Limits: MaxLinks over all links not made by calls to
//     configured peers, MaxLinksPerKey per remote key.
//   - Calls not to configured peers (admin, multicast beacons, which anyone
//     on the link can send) are capped at maxOtherCalls names dialling,
//     connected or held off; consecutive failures are counted only for
//     configured peers, whose hold-off they lengthen.
//
// Dials, accepts and closes block, so each runs in its own goroutine and
// reports back with Act; nothing here blocks.

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/ratelimit"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/wire"
)

const (
	callHoldOff       = 6 * time.Second
	callHoldOffJitter = 10 * time.Second
	redialInterval    = 60 * time.Second
	// maxOtherCalls bounds the calls not to configured peers that are
	// dialling, connected or held off at once.
	maxOtherCalls = 256
	// Links not to configured peers that may come up a second: each costs
	// two X25519 and a signature, and a remote can reconnect in a loop.
	newLinksPerSecond = 16
	newLinksBurst     = 64
)

// Reasons a link or call is refused by the Limits.
var (
	errTooManyLinks       = errors.New("too many links (Limits.MaxLinks)")
	errTooManyLinksForKey = errors.New("too many links with this key (Limits.MaxLinksPerKey)")
	errTooManyNewLinks    = errors.New("too many new links a second")
	errTooManyCalls       = errors.New("too many calls to peers that are not configured")
)

// links owns listeners, calls and the established-link table.
type links struct {
	actor.Inbox
	core      *Core
	dialer    *transport.Dialer
	cert      *tls.Certificate
	listeners map[string]*transport.Listener // by listen URI
	ephemeral map[string]bool                // listeners opened by Listen (multicast, tests), not by config
	calls     map[string]bool                // call names dialling, connected or held off
	links     map[*link]uint64               // every link not yet torn down, by creation order
	linkSeq   uint64
	active    map[linkKey]*link             // registered (handshaken) links
	keys      map[*link]linkKey             // the key each registered link holds in active
	dials     map[string]context.CancelFunc // dials in progress, by call name

	failures   map[string]int        // consecutive failed dials of configured peers, by call name
	configured map[string]callTarget // configured peers, by call name
	otherCalls int                   // names in calls that are not configured peers
	limits     config.Limits
	refused    map[error]uint64 // links refused by _register, by reason
	newLinks   ratelimit.Bucket // links not to configured peers coming up

	allowed    []string            // AllowedEncryptionPublicKeys, as configured
	peers      []string            // Peers, redialled every 60 s
	ifacePeers map[string][]string // InterfacePeers, likewise
	redial     clock.Timer
	stopped    bool
}

func newLinks(c *Core) *links {
	return &links{
		core:      c,
		dialer:    transport.NewDialer(c.log),
		listeners: make(map[string]*transport.Listener),
		ephemeral: make(map[string]bool),
		calls:     make(map[string]bool),
		links:     make(map[*link]uint64),
		active:    make(map[linkKey]*link),
		keys:      make(map[*link]linkKey),
		dials:     make(map[string]context.CancelFunc),
		failures:  make(map[string]int),
		refused:   make(map[error]uint64),
		newLinks:  ratelimit.NewBucket(newLinksPerSecond, newLinksBurst),
	}
}

// callTarget is a configured peer: a URI and the interface to bind it to.
type callTarget struct{ uri, iface string }

// _start opens the listeners (any failure is an error) and begins calling
// the configured peers.
func (ls *links) _start(cfg *config.NodeConfig) error {
	ls.limits = cfg.Limits
	ls.allowed = slices.Clone(cfg.AllowedEncryptionPublicKeys)
	ls.peers = slices.Clone(cfg.Peers)
	ls.ifacePeers = cloneIfacePeers(cfg.InterfacePeers)
	ls._indexConfigured()
	for _, uri := range cfg.Listen {
		if _, err := ls._listen(uri); err != nil {
			return err
		}
	}
	ls._callConfigured()
	return nil
}

// _stop closes listeners and dials and returns the links still up, for the
// caller to close.
func (ls *links) _stop() []*link {
	ls.stopped = true
	if ls.redial != nil {
		ls.redial.Stop()
	}
	for uri, l := range ls.listeners {
		ls.core.closeInBackground(l.Close)
		delete(ls.listeners, uri)
	}
	for _, cancel := range ls.dials {
		cancel()
	}
	return ls._inOrder()
}

// _inOrder lists the links by creation. Whatever is sent to several links
// goes in this order, never a map's: on the executor a run must replay.
func (ls *links) _inOrder() []*link {
	open := make([]*link, 0, len(ls.links))
	for l := range ls.links {
		open = append(open, l)
	}
	slices.SortFunc(open, func(a, b *link) int { return cmp.Compare(ls.links[a], ls.links[b]) })
	return open
}

func (ls *links) certificate() (*tls.Certificate, error) {
	if ls.cert == nil {
		cert, err := transport.NewCertificate(&ls.core.id.SigPriv, ls.core.clock.Now())
		if err != nil {
			return nil, err
		}
		ls.cert = &cert
	}
	return ls.cert, nil
}

// _listen opens a tcp:// or tls:// listener and starts accepting on it.
func (ls *links) _listen(uri string) (net.Addr, error) {
	if ls.listeners[uri] != nil {
		return nil, fmt.Errorf("already listening on %s", uri)
	}
	var cert *tls.Certificate
	if strings.HasPrefix(uri, "tls://") {
		var err error
		if cert, err = ls.certificate(); err != nil {
			return nil, err
		}
	}
	l, err := transport.Listen(uri, cert, ls.core.gate, ls.core.log)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", uri, err)
	}
	ls.listeners[uri] = l
	ls.core.log.Infof("Listening for %s on: %s", strings.ToUpper(l.Proto()), l.Addr())
	go ls.acceptLoop(l)
	return l.Addr(), nil
}

// acceptLoop runs in its own goroutine for one listener.
func (ls *links) acceptLoop(l *transport.Listener) {
	for {
		in, err := l.Accept()
		if err != nil {
			return // closed; transport retries transient accept errors itself
		}
		// The link gives the gate's slot back once the metadata is in.
		ls.Act(nil, func() { ls._newLink(in.Conn, in.Info, nil, "", in.Release) })
	}
}

// _closeListener stops a listener opened by _listen.
func (ls *links) _closeListener(uri string) error {
	l := ls.listeners[uri]
	if l == nil {
		return fmt.Errorf("not listening on %s", uri)
	}
	delete(ls.listeners, uri)
	delete(ls.ephemeral, uri)
	ls.core.closeInBackground(l.Close)
	return nil
}

// _call dials uri (bound to iface if not empty) unless a call with the same
// name is already under way, connected or held off.
func (ls *links) _call(uri, iface string) error {
	u, err := transport.ParsePeerURI(uri)
	if err != nil {
		return err
	}
	if ls.stopped {
		return ErrStopped
	}
	name := u.CallName(iface)
	if ls.calls[name] {
		return nil
	}
	_, configured := ls.configured[name]
	if !configured {
		if ls.otherCalls >= maxOtherCalls {
			return errTooManyCalls
		}
		ls.otherCalls++
	}
	ls.calls[name] = true
	// The dialer bounds each stage itself; this context only cancels (Stop).
	ctx, cancel := context.WithCancel(context.Background())
	ls.dials[name] = cancel
	go func() {
		conn, info, err := ls.dialer.Dial(ctx, u, iface)
		ls.Act(nil, func() {
			cancel()
			delete(ls.dials, name)
			if err != nil {
				// u, not uri: its String masks a proxy password.
				ls.core.log.Debugf("Failed to connect to %s: %v", u, err)
				if _, ok := ls.configured[name]; ok {
					ls.failures[name]++
				}
				ls._releaseCall(name)
				return
			}
			if ls.stopped {
				ls.core.closeInBackground(conn.Close)
				return
			}
			ls._newLink(conn, info, &u, name, nil)
		})
	}()
	return nil
}

// _releaseCall frees a call name after the hold-off, then calls again at
// once if it is a configured peer.
func (ls *links) _releaseCall(name string) {
	hold := callHoldOff + time.Duration(ls.core.randUint64()%uint64(callHoldOffJitter))
	if f := ls.failures[name]; f > 1 {
		hold <<= min(f-1, 4)
	}
	hold = min(hold, redialInterval)
	ls.core.clock.AfterFunc(hold, func() {
		ls.Act(nil, func() {
			if ls.calls[name] {
				delete(ls.calls, name)
				if _, ok := ls.configured[name]; !ok {
					ls.otherCalls--
				}
			}
			if target, ok := ls.configured[name]; ok && !ls.stopped {
				_ = ls._call(target.uri, target.iface)
			}
		})
	})
}

// _indexConfigured maps call names to the configured peers, and recounts
// the calls that are not to one of them.
func (ls *links) _indexConfigured() {
	ls.configured = make(map[string]callTarget)
	defer ls._recount()
	add := func(uri, iface string) {
		if u, err := transport.ParsePeerURI(uri); err == nil {
			ls.configured[u.CallName(iface)] = callTarget{uri, iface}
		}
	}
	for _, uri := range ls.peers {
		add(uri, "")
	}
	for iface, uris := range ls.ifacePeers {
		for _, uri := range uris {
			add(uri, iface)
		}
	}
}

// _recount recounts otherCalls and forgets the failures of names that are
// no longer configured, after the configured peers changed.
func (ls *links) _recount() {
	ls.otherCalls = 0
	for name := range ls.calls {
		if _, ok := ls.configured[name]; !ok {
			ls.otherCalls++
		}
	}
	for name := range ls.failures {
		if _, ok := ls.configured[name]; !ok {
			delete(ls.failures, name)
		}
	}
}

func (ls *links) _callConfigured() {
	if ls.stopped {
		return
	}
	ls._callAll()
	ls.redial = ls.core.clock.AfterFunc(redialInterval, func() { ls.Act(nil, ls._callConfigured) })
}

// _callAll calls every configured peer not already called.
func (ls *links) _callAll() {
	for _, uri := range ls.peers {
		if err := ls._call(uri, ""); err != nil {
			ls.core.log.Warnf("Failed to add peer: %v", err)
		}
	}
	for iface, uris := range ls.ifacePeers {
		for _, uri := range uris {
			if err := ls._call(uri, iface); err != nil {
				ls.core.log.Warnf("Failed to add peer: %v", err)
			}
		}
	}
}

// _newLink starts the handshake on a connected stream. callName is the
// outbound call it answers, released after the link ends; admitted (may be
// nil) gives back the slot the gate gave an accepted connection.
func (ls *links) _newLink(conn net.Conn, info transport.LinkInfo, uri *transport.PeerURI, callName string, admitted func()) {
	ls._newLinkIO(newSocketIO(ls.core, conn), info, uri, callName, admitted)
}

// _newLinkIO is _newLink on any linkIO (the simulator's frame pipes).
func (ls *links) _newLinkIO(io linkIO, info transport.LinkInfo, uri *transport.PeerURI, callName string, admitted func()) {
	if ls.stopped {
		if admitted != nil {
			admitted()
		}
		io.close()
		return
	}
	var onDone func(*link)
	if callName != "" {
		onDone = func(*link) { ls._releaseCall(callName) }
	}
	l := newLink(ls.core, io, info, uri, callName, onDone, admitted)
	ls.linkSeq++
	ls.links[l] = ls.linkSeq
	l.Act(ls, l._start)
}

// _register runs the allowed-keys and duplicate checks for a link whose
// metadata has arrived, and registers it when both pass.
func (ls *links) _register(l *link, m wire.Metadata) {
	var err error
	key := linkKey{box: m.Box, sig: m.Sig, proto: l.info.Proto, local: l.info.Local, remote: l.info.Remote}
	switch {
	case ls.stopped:
		err = errShutdown
	case l.info.Inbound && !l.info.LinkLocal && len(ls.allowed) > 0 && !slices.Contains(ls.allowed, m.Box.String()):
		err = errNotAllowed
	case ls.active[key] != nil:
		err = errDuplicate
	default:
		err = ls._overLimits(l, m)
	}
	if err != nil {
		ls.refused[err]++
	} else {
		ls.active[key] = l
		ls.keys[l] = key
		delete(ls.failures, l.callName)
	}
	l.Act(ls, func() { l._registered(err) })
}

// _overLimits applies Limits.MaxLinksPerKey, Limits.MaxLinks and the rate
// of new links to a link about to register, unless a call to a configured
// peer made it.
func (ls *links) _overLimits(l *link, m wire.Metadata) error {
	sameKey, others := 0, 0
	for other, key := range ls.keys {
		if key.box == m.Box {
			sameKey++
		}
		if !ls._toConfigured(other) {
			others++
		}
	}
	switch {
	case ls._toConfigured(l):
		return nil
	case sameKey >= int(orDefault(ls.limits.MaxLinksPerKey, config.DefaultLimits.MaxLinksPerKey)):
		return errTooManyLinksForKey
	case others >= int(orDefault(ls.limits.MaxLinks, config.DefaultLimits.MaxLinks)):
		return errTooManyLinks
	case !ls.newLinks.Allow(ls.core.clock.Now()):
		return errTooManyNewLinks
	}
	return nil
}

// _toConfigured reports whether l was made by a call to a configured peer.
func (ls *links) _toConfigured(l *link) bool {
	_, ok := ls.configured[l.callName]
	return ok && l.callName != ""
}

// orDefault is v, or def when v is 0 (a Limits field left out).
func orDefault(v, def uint32) uint32 {
	if v == 0 {
		return def
	}
	return v
}

// _unregister forgets a link after its teardown. The link may have been
// torn down before it learnt that _register accepted it, so what it
// registered is looked up here, not taken from the link.
func (ls *links) _unregister(l *link) {
	delete(ls.links, l)
	if key, ok := ls.keys[l]; ok {
		delete(ls.keys, l)
		if ls.active[key] == l {
			delete(ls.active, key)
		}
	}
	if l.onDone != nil {
		l.onDone(l)
	}
}

// _disconnectCall closes the link made by the call with that name, if any.
func (ls *links) _disconnectCall(name string) {
	for _, l := range ls._inOrder() {
		if l.callName == name {
			l.Act(ls, func() { l._close(errAdminClose) })
		}
	}
}

// _disconnectByName closes every link whose name (the getPeers endpoint) is name.
func (ls *links) _disconnectByName(name string) {
	for _, l := range ls._inOrder() {
		if l.info.Name == name {
			l.Act(ls, func() { l._close(errAdminClose) })
		}
	}
}

func cloneIfacePeers(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
