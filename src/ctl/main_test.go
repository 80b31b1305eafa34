package ctl

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAdmin is an admin socket that records each request line and answers
// with a canned behaviour, so Main can be driven end to end.
type fakeAdmin struct {
	endpoint string
	requests chan string
}

// startFakeAdmin listens on a temporary unix socket (or loopback TCP) and
// serves every connection with reply after reading one request line.
func startFakeAdmin(t *testing.T, network string, reply func(net.Conn)) *fakeAdmin {
	t.Helper()
	var l net.Listener
	var err error
	f := &fakeAdmin{requests: make(chan string, 16)}
	if network == "unix" {
		path := filepath.Join(t.TempDir(), "admin.sock")
		l, err = net.Listen("unix", path)
		f.endpoint = "unix://" + path
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			f.endpoint = "tcp://" + l.Addr().String()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err != nil {
					return
				}
				f.requests <- line
				reply(conn)
			}()
		}
	}()
	return f
}

// answer replies with fixed bytes and closes.
func answer(data string) func(net.Conn) {
	return func(c net.Conn) { io.WriteString(c, data) }
}

// request returns the request the fake received, or fails.
func (f *fakeAdmin) request(t *testing.T) string {
	t.Helper()
	select {
	case r := <-f.requests:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no request received")
		return ""
	}
}

// runMain runs Main and returns its outputs and status.
func runMain(args ...string) (stdout, stderr string, status int) {
	var out, errOut bytes.Buffer
	status = Main(append([]string{"yggdrasilctl"}, args...), &out, &errOut)
	return out.String(), errOut.String(), status
}

const ts = "2026/11/22 12:30:22 "

func TestMainEndToEnd(t *testing.T) {
	getPeers := string(readTestdata(t, "getpeers.json"))
	for _, tc := range []struct {
		name        string
		network     string
		args        []string // the endpoint flag is added in front
		reply       func(net.Conn)
		wantRequest string
		wantStdout  string
		wantStatus  int
	}{
		{"getPeers table over unix", "unix", []string{"getPeers"}, answer(getPeers),
			`{"request":"getPeers"}`, string(readTestdata(t, "getpeers.txt")), exitOK},
		{"getPeers table over tcp", "tcp", []string{"getPeers"}, answer(getPeers),
			`{"request":"getPeers"}`, string(readTestdata(t, "getpeers.txt")), exitOK},
		{"-v getSessions", "unix", []string{"-v", "getSessions"}, answer(string(readTestdata(t, "getsessions.json"))),
			`{"request":"getSessions"}`, string(readTestdata(t, "getsessions-v.txt")), exitOK},
		{"-json getSelf", "unix", []string{"-json", "getSelf"}, answer(string(readTestdata(t, "getself.json"))),
			`{"request":"getSelf"}`, string(decodeResponse(t, "getself.json")), exitOK},
		{"typed arguments", "unix", []string{"dhtPing", "box_pub_key=" + testKey, "coords=[1]"},
			answer(string(readTestdata(t, "dhtping.json"))),
			`{"box_pub_key":"` + testKey + `","coords":"[1]","request":"dhtPing"}`,
			"                                        coords  \n201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a  []      \n", exitOK},
		{"options after the command are arguments", "unix", []string{"getSelf", "-v"},
			answer(string(readTestdata(t, "getself.json"))),
			`{"-v":true,"request":"getSelf"}`,
			"IPv6 address: 201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a\nIPv6 subnet: 301:14fa:2c2c:cee9::/64\nCoords: []\n", exitOK},
		{"response without newline or indentation", "unix", []string{"getTunTap"},
			answer(`{"request":{"request":"getTunTap"},"response":{"tun0":{"mtu":65535}},"status":"success"}`),
			`{"request":"getTunTap"}`, "Interface name: tun0\nInterface MTU: 65535\n", exitOK},
		{"only the first object is read", "unix", []string{"addPeer", "uri=tcp://10.203.0.2:7777"},
			answer(`{"request":{"request":"addPeer"},"response":{"added":["tcp://10.203.0.2:7777"]},"status":"success"}{"status":"error"}`),
			`{"request":"addPeer","uri":"tcp://10.203.0.2:7777"}`, "Added: tcp://10.203.0.2:7777\n", exitOK},
		{"node error", "unix", []string{"addLocalSubnet", "subnet=10.55.0.0/16"},
			answer(`{"error":"Failed to add source subnet","request":{"request":"addLocalSubnet","subnet":"10.55.0.0/16"},"response":{"not_added":["10.55.0.0/16"]},"status":"error"}`),
			`{"request":"addLocalSubnet","subnet":"10.55.0.0/16"}`,
			"Admin socket returned an error: Failed to add source subnet\n", exitFailure},
		{"type error from the node", "unix", []string{"getNodeInfo", "nocache=true"},
			answer("{\n  \"error\": \"Check your syntax and input types\",\n  \"status\": \"error\"\n}\n"),
			`{"nocache":true,"request":"getNodeInfo"}`,
			"Admin socket returned an error: Check your syntax and input types\n", exitFailure},
		{"missing response body", "unix", []string{"getSelf"},
			answer(`{"request":{"request":"getSelf"},"status":"success"}`),
			`{"request":"getSelf"}`, "Missing response body (malformed response?)\n", exitFailure},
		{"status not success", "unix", []string{"getTunnelRouting"},
			answer(`{"request":{"request":"getTunnelRouting"},"response":{"enabled":true},"status":"unknown"}`),
			`{"request":"getTunnelRouting"}`, "Tunnel routing is enabled\n", exitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeAdmin(t, tc.network, tc.reply)
			stdout, stderr, status := runMain(append([]string{"-endpoint", f.endpoint}, tc.args...)...)
			if got := f.request(t); got != tc.wantRequest+"\n" {
				t.Errorf("request\n got %q\nwant %q", got, tc.wantRequest+"\n")
			}
			diffText(t, stdout, tc.wantStdout)
			if stderr != "" {
				t.Errorf("stderr %q", stderr)
			}
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d", status, tc.wantStatus)
			}
		})
	}
}

// TestMainFatal covers every class of fatal error: all exit 1 (unlike
// v0.3.16, which exits 0) and print the diagnostics and the error to stdout.
func TestMainFatal(t *testing.T) {
	old := responseTimeout
	responseTimeout = 300 * time.Millisecond
	t.Cleanup(func() { responseTimeout = old })

	for _, tc := range []struct {
		name      string
		reply     func(net.Conn)
		args      []string
		wantFatal string
	}{
		{"undecodable response", answer("garbage"), []string{"getSelf"},
			"reading response: invalid character 'g' looking for beginning of value"},
		{"response is not an object", answer("[1,2]"), []string{"getSelf"},
			"reading response: json: cannot unmarshal array into Go value of type map[string]interface {}"},
		{"closed without a response", answer(""), []string{"getSelf"},
			"reading response: connection closed without a response"},
		{"truncated response", answer(`{"request":`), []string{"getSelf"},
			"reading response: unexpected EOF"},
		{"no answer in time", func(c net.Conn) { io.Copy(io.Discard, c) }, []string{"getSelf"},
			"i/o timeout"},
		{"request not an object", answer(`{"request":"getSelf","response":{},"status":"success"}`), []string{"getSelf"},
			"malformed response: request is a string, not an object"},
		{"response not an object", answer(`{"request":{"request":"getSelf"},"response":"x","status":"success"}`), []string{"-json", "getSelf"},
			"malformed response: response is a string, not an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeAdmin(t, "unix", tc.reply)
			stdout, stderr, status := runMain(append([]string{"-endpoint=" + f.endpoint}, tc.args...)...)
			path := strings.TrimPrefix(f.endpoint, "unix://")
			wantStart := ts + "Using endpoint " + f.endpoint + " from command line\n" +
				ts + "Connecting to UNIX socket " + path + "\n" +
				ts + "Connected\n" +
				ts + "Sending request: getSelf\n" +
				ts + "Request sent\n"
			if !strings.HasPrefix(stdout, wantStart) {
				t.Errorf("stdout\n%s\nwant it to start with\n%s", stdout, wantStart)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, ts+"Fatal error: ") || !strings.Contains(last, tc.wantFatal) {
				t.Errorf("last line %q, want the fatal error %q", last, tc.wantFatal)
			}
			if status != exitFailure || stderr != "" {
				t.Errorf("status %d (want %d), stderr %q", status, exitFailure, stderr)
			}
		})
	}
}

func TestMainConnectionFailures(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.sock")
	// A port that was just free: connecting to it is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedTCP := l.Addr().String()
	l.Close()

	for _, tc := range []struct {
		name, endpoint, want string
	}{
		{"no unix socket", "unix://" + missing,
			ts + "Using endpoint unix://" + missing + " from command line\n" +
				ts + "Connecting to UNIX socket " + missing + "\n" +
				ts + "Fatal error: dial unix " + missing + ": connect: no such file or directory\n"},
		{"tcp refused", "tcp://" + closedTCP,
			ts + "Using endpoint tcp://" + closedTCP + " from command line\n" +
				ts + "Connecting to TCP socket " + closedTCP + "\n" +
				ts + "Fatal error: dial tcp " + closedTCP + ": connect: connection refused\n"},
		{"scheme missing", "localhost:9001",
			ts + "Using endpoint localhost:9001 from command line\n" +
				ts + "Unknown protocol or malformed address - check your endpoint\n" +
				ts + "Fatal error: protocol not supported\n"},
		{"not a URL", "[::1]:9001",
			ts + "Using endpoint [::1]:9001 from command line\n" +
				ts + "Unknown protocol or malformed address - check your endpoint\n" +
				ts + "Fatal error: parse \"[::1]:9001\": first path segment in URL cannot contain colon\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, status := runMain("-endpoint", tc.endpoint, "getPeers")
			diffText(t, stdout, tc.want)
			if status != exitFailure || stderr != "" {
				t.Errorf("status %d (want %d), stderr %q", status, exitFailure, stderr)
			}
		})
	}
}

// TestMainDefaultEndpoint: without -endpoint, or with exactly the default,
// the endpoint comes from AdminListen in the default config file.
func TestMainDefaultEndpoint(t *testing.T) {
	f := startFakeAdmin(t, "unix", answer(`{"request":{"request":"getTunnelRouting"},"response":{"enabled":false},"status":"success"}`))
	useConfigFile(t, []byte("{\n  # written by hand\n  AdminListen: "+f.endpoint+"\n}\n"))
	for _, args := range [][]string{
		{"getTunnelRouting"},
		{"-endpoint", DefaultEndpoint, "getTunnelRouting"},
		{"-endpoint=" + DefaultEndpoint, "getTunnelRouting"},
	} {
		stdout, _, status := runMain(args...)
		if stdout != "Tunnel routing is disabled\n" || status != exitOK {
			t.Errorf("%q: status %d, stdout %q", args, status, stdout)
		}
		if got := f.request(t); got != `{"request":"getTunnelRouting"}`+"\n" {
			t.Errorf("%q: request %q", args, got)
		}
	}
}

func TestMainBadConfigFile(t *testing.T) {
	path := useConfigFile(t, []byte("{ AdminListen: ["))
	stdout, _, status := runMain("getSelf")
	want := ts + "Found platform default config file " + path + "\n" +
		ts + "Fatal error: " + path + ": config: "
	if !strings.HasPrefix(stdout, want) || status != exitFailure {
		t.Errorf("status %d, stdout %q, want prefix %q", status, stdout, want)
	}
}

// usageStdout is the part of the usage text v0.3.16 prints on stdout.
const usageStdout = `Options:

Please note that options must always specified BEFORE the command
on the command line or they will be ignored.

Commands:
  - Use "list" for a list of available commands

Examples:
  -  /usr/bin/yggdrasilctl list
  -  /usr/bin/yggdrasilctl getPeers
  -  /usr/bin/yggdrasilctl -v getSelf
  -  /usr/bin/yggdrasilctl setTunTap name=auto mtu=1500 tap_mode=false
  -  /usr/bin/yggdrasilctl -endpoint=tcp://localhost:9001 getDHT
  -  /usr/bin/yggdrasilctl -endpoint=unix:///var/run/ygg.sock getDHT
`

// usageStderr is the part on stderr; the flag defaults follow the build's
// platform default endpoint.
var usageStderr = `Usage: /usr/bin/yggdrasilctl [options] command [key=value] [key=value] ...

  -endpoint string
    	Admin socket endpoint (default "` + DefaultEndpoint + `")
  -json
    	Output in JSON format (as opposed to pretty-print)
  -v	Verbose output (includes public keys)
  -version
    	Prints the version of this build
`

func TestMainUsageAndFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantStdout string
		wantStderr string
		wantStatus int
	}{
		{"no command", nil, usageStdout, usageStderr, exitOK},
		{"options but no command", []string{"-v", "-json"}, usageStdout, usageStderr, exitOK},
		{"-h", []string{"-h"}, usageStdout, usageStderr, exitOK},
		{"unknown flag", []string{"-bogus", "getSelf"}, usageStdout,
			"flag provided but not defined: -bogus\n" + usageStderr, exitBadFlag},
		{"bad bool value", []string{"-json=maybe", "getSelf"}, usageStdout,
			"invalid boolean value \"maybe\" for -json: parse error\n" + usageStderr, exitBadFlag},
		{"missing flag value", []string{"-endpoint"}, usageStdout,
			"flag needs an argument: -endpoint\n" + usageStderr, exitBadFlag},
		{"-version", []string{"-version", "getSelf"},
			"Build name: unknown\nBuild version: unknown\n" +
				"To get the version number of the running Yggdrasil node, run /usr/bin/yggdrasilctl getSelf\n",
			"", exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			status := Main(append([]string{"/usr/bin/yggdrasilctl"}, tc.args...), &out, &errOut)
			diffText(t, out.String(), tc.wantStdout)
			diffText(t, errOut.String(), tc.wantStderr)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d", status, tc.wantStatus)
			}
		})
	}
}
