// Package labtest runs real nodes in Linux network namespaces. A Lab creates
// namespaces joined by veth pairs, writes a config per node, runs the
// yggdrasil binary in each namespace through `ip netns exec`, stops and
// restarts it, and runs commands such as ping, iperf3, the built-in TCP
// transfer helper or misc/hostilepeer (BuildHostilePeer, RunAttack) inside
// the namespaces.
//
// The tests in this package are the suite's multi-node tests: real TUN
// interfaces and real pings between namespaces. They need root; without it
// they skip, unless YGG_REQUIRE_ROOT_TESTS=1, in which case they fail.
// misc/labtimings uses the same harness to print timing and throughput
// figures, which are never asserted by tests.
//
// Everything a Lab creates is removed by Close, even after a failure: node
// processes are killed by process group, namespaces deleted. Namespace names
// carry the process id and a counter so parallel runs never collide.
package labtest
