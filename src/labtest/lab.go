//go:build linux

package labtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
)

// TUNName is the interface name every lab node asks for. Each node has a
// namespace of its own, so the same name never clashes.
const TUNName = "ygg0"

// listenPort is the TCP port nodes listen on for peers, on each of their
// link addresses.
const listenPort = 7000

// maxSocketPath keeps admin socket paths inside sun_path (108 bytes).
const maxSocketPath = 100

// Lab is a set of namespaces, the veth links between them and the nodes
// running in them. It is not safe for concurrent use except where a method
// says so; the tests drive it from one goroutine.
type Lab struct {
	Bin Binaries
	Dir string // configs, logs and admin sockets

	// NoTUN runs nodes with IfName "none" (router only). Set it before
	// AddNodes.
	NoTUN bool

	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)

	prefix     string
	mu         sync.Mutex // guards namespaces and nodes against Close from a cleanup
	namespaces []*Namespace
	nodes      []*Node
	links      []*Link
}

// New returns an empty lab that keeps its files in dir.
func New(bin Binaries, dir string) *Lab {
	return &Lab{Bin: bin, Dir: dir, prefix: uniquePrefix()}
}

func (l *Lab) logf(format string, args ...any) {
	if l.Logf != nil {
		l.Logf(format, args...)
	}
}

// Nodes returns the lab's nodes in creation order.
func (l *Lab) Nodes() []*Node {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.nodes)
}

// Links returns the lab's links in creation order.
func (l *Lab) Links() []*Link { return slices.Clone(l.links) }

// AddNodes creates n namespaces, each with a node that has a fresh config
// but is not started. Within the batch the nodes are ordered by TreeID, best
// first, so the first node becomes the root of the spanning tree once the
// nodes are connected: tests can then build a known tree by choosing the
// order in which links come up.
func (l *Lab) AddNodes(n int) ([]*Node, error) {
	cfgs := make([]*config.NodeConfig, n)
	keys := make([]config.Keys, n)
	for i := range cfgs {
		cfgs[i] = config.Generate()
		k, err := cfgs[i].Keys()
		if err != nil {
			return nil, fmt.Errorf("generated config: %w", err)
		}
		keys[i] = k
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case keys[a].SigPub.Better(&keys[b].SigPub):
			return -1
		case keys[b].SigPub.Better(&keys[a].SigPub):
			return 1
		}
		return 0
	})
	var added []*Node
	for _, i := range order {
		node, err := l.newNode(cfgs[i], keys[i])
		if err != nil {
			return nil, err
		}
		added = append(added, node)
	}
	return added, nil
}

func (l *Lab) newNode(cfg *config.NodeConfig, keys config.Keys) (*Node, error) {
	l.mu.Lock()
	index := len(l.nodes)
	l.mu.Unlock()
	name := fmt.Sprintf("n%d", index)
	ns, err := newNamespace(fmt.Sprintf("%s-%s", l.prefix, name))
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.namespaces = append(l.namespaces, ns)
	l.mu.Unlock()

	sock := filepath.Join(l.Dir, name+".sock")
	if len(sock) > maxSocketPath {
		return nil, fmt.Errorf("admin socket path %q is too long for a unix socket", sock)
	}
	cfg.Peers = []string{}
	cfg.Listen = []string{}
	cfg.MulticastInterfaces = []string{}
	cfg.AdminListen = "unix://" + sock
	cfg.IfName = TUNName
	ifname := TUNName
	if l.NoTUN {
		cfg.IfName = "none"
		ifname = ""
	}
	node := &Node{
		Index:     index,
		Name:      name,
		NS:        ns,
		Config:    cfg,
		Keys:      keys,
		Addr:      address.ForKey(&keys.BoxPub),
		Subnet:    address.SubnetForKey(&keys.BoxPub),
		IfName:    ifname,
		ConfPath:  filepath.Join(l.Dir, name+".conf"),
		LogPath:   filepath.Join(l.Dir, name+".log"),
		AdminPath: sock,
		lab:       l,
	}
	l.mu.Lock()
	l.nodes = append(l.nodes, node)
	l.mu.Unlock()
	return node, nil
}

// Close stops every node still running (SIGTERM, then SIGKILL to its
// process group if it lingers), kills anything else left in the namespaces
// and deletes them. It is safe to call more than once.
func (l *Lab) Close() error {
	l.mu.Lock()
	nodes, namespaces := l.nodes, l.namespaces
	l.namespaces = nil
	l.mu.Unlock()
	var errs []error
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(n.halt)
	}
	wg.Wait()
	for _, ns := range namespaces {
		if err := ns.delete(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DumpLogs hands each node's log (the last maxBytes bytes) to logf, for a
// failed test to show what the nodes saw.
func (l *Lab) DumpLogs(logf func(format string, args ...any), maxBytes int) {
	for _, n := range l.Nodes() {
		data, err := os.ReadFile(n.LogPath)
		if err != nil {
			logf("%s: no log: %v", n.Name, err)
			continue
		}
		cut := ""
		if len(data) > maxBytes {
			data = data[len(data)-maxBytes:]
			cut = " (tail)"
		}
		logf("=== log of %s (%s, %s)%s ===\n%s", n.Name, n.NS.Name, n.Addr, cut,
			strings.TrimRight(string(data), "\n"))
	}
}
