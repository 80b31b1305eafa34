package transport

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

const (
	boxHexA = "e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b"
	boxHexB = "11e9e151a28604339671c4ac14a24c32c44cf5a9f52d0cff2cf7fcaf4e50b70f"
	sigHexM = "575d5349416ed43e6b15a592acdfe0c88dabf6cc79610cfaf6fe57a89ddf702e"
)

func mustBox(t testing.TB, s string) crypto.BoxPubKey {
	k, err := crypto.ParseBoxPubKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSig(t testing.TB, s string) crypto.SigPubKey {
	k, err := crypto.ParseSigPubKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParsePeerURI(t *testing.T) {
	boxA, boxB, sigM := mustBox(t, boxHexA), mustBox(t, boxHexB), mustSig(t, sigHexM)
	tests := []struct {
		in                   string
		scheme, host         string
		proxy, user, pass    string
		box                  []crypto.BoxPubKey
		sig                  []crypto.SigPubKey
		callName, ifCallName string // CallName("") and CallName("eth0")
	}{
		{in: "tcp://1.2.3.4:5", scheme: "tcp", host: "1.2.3.4:5",
			callName: "1.2.3.4:5", ifCallName: "TCP/1.2.3.4:5/eth0"},
		{in: "tls://[2001:db8::1]:443", scheme: "tls", host: "[2001:db8::1]:443",
			callName: "[2001:db8::1]:443", ifCallName: "TLS/[2001:db8::1]:443/eth0"},
		{in: "tcp://[fe80::1]:9001/", scheme: "tcp", host: "[fe80::1]:9001",
			callName: "[fe80::1]:9001", ifCallName: "TCP/[fe80::1]:9001/eth0"},
		{in: "tcp://peer.example.com:12345", scheme: "tcp", host: "peer.example.com:12345",
			callName: "peer.example.com:12345", ifCallName: "TCP/peer.example.com:12345/eth0"},
		{in: "TLS://h:1", scheme: "tls", host: "h:1", callName: "h:1", ifCallName: "TLS/h:1/eth0"},
		{in: "socks://127.0.0.1:9050/peer.onion:80", scheme: "socks", host: "peer.onion:80",
			proxy: "127.0.0.1:9050", callName: "peer.onion:80", ifCallName: "SOCKS/peer.onion:80/eth0"},
		{in: "socks://alice:s3cret@proxy:1080/1.2.3.4:5", scheme: "socks", host: "1.2.3.4:5",
			proxy: "proxy:1080", user: "alice", pass: "s3cret", callName: "1.2.3.4:5", ifCallName: "SOCKS/1.2.3.4:5/eth0"},
		{in: "socks://bob@[::1]:1080/[2001:db8::2]:7", scheme: "socks", host: "[2001:db8::2]:7",
			proxy: "[::1]:1080", user: "bob", callName: "[2001:db8::2]:7", ifCallName: "SOCKS/[2001:db8::2]:7/eth0"},
		{in: "tcp://1.2.3.4:5?curve25519=" + boxHexA, scheme: "tcp", host: "1.2.3.4:5",
			box: []crypto.BoxPubKey{boxA}, callName: "1.2.3.4:5", ifCallName: "TCP/1.2.3.4:5/eth0"},
		{in: "tls://1.2.3.4:5?curve25519=" + boxHexA + "&ed25519=" + sigHexM + "&curve25519=" + boxHexB,
			scheme: "tls", host: "1.2.3.4:5", box: []crypto.BoxPubKey{boxA, boxB}, sig: []crypto.SigPubKey{sigM},
			callName: "1.2.3.4:5", ifCallName: "TLS/1.2.3.4:5/eth0"},
		// Other parameters are ignored, even malformed; pins are found after
		// either separator and in escaped form.
		{in: "tcp://1.2.3.4:5?other=%zz&curve25519=" + boxHexA + "&x=1;ed25519=" + sigHexM + "&%63urve25519=" + boxHexB,
			scheme: "tcp", host: "1.2.3.4:5", box: []crypto.BoxPubKey{boxA, boxB}, sig: []crypto.SigPubKey{sigM},
			callName: "1.2.3.4:5", ifCallName: "TCP/1.2.3.4:5/eth0"},
		{in: "socks://h:1/p:2/", scheme: "socks", host: "p:2", proxy: "h:1", callName: "p:2", ifCallName: "SOCKS/p:2/eth0"},
		{in: "socks://u:p@h:1/p:2?ed25519=" + sigHexM, scheme: "socks", host: "p:2", proxy: "h:1",
			user: "u", pass: "p", sig: []crypto.SigPubKey{sigM}, callName: "p:2", ifCallName: "SOCKS/p:2/eth0"},
	}
	for _, tt := range tests {
		u, err := ParsePeerURI(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if u.Scheme != tt.scheme || u.Host != tt.host || u.ProxyHost != tt.proxy ||
			u.ProxyUser != tt.user || u.ProxyPass != tt.pass || u.Raw != tt.in {
			t.Errorf("%s: got %+v", tt.in, u)
		}
		if !equalKeys(u.PinnedBox, tt.box) || !equalKeys(u.PinnedSig, tt.sig) {
			t.Errorf("%s: pins box %v sig %v, want %v %v", tt.in, u.PinnedBox, u.PinnedSig, tt.box, tt.sig)
		}
		if got := u.CallName(""); got != tt.callName {
			t.Errorf("%s: CallName(\"\") = %q, want %q", tt.in, got, tt.callName)
		}
		if got := u.CallName("eth0"); got != tt.ifCallName {
			t.Errorf("%s: CallName(eth0) = %q, want %q", tt.in, got, tt.ifCallName)
		}
	}
}

func equalKeys[K comparable](a, b []K) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParsePeerURIErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bogus://x", "unknown call scheme: bogus"},
		{"udp://1.2.3.4:5", "unknown call scheme: udp"},
		{"unix:///var/run/x.sock", "unknown call scheme: unix"},
		{"", "malformed peer URI: missing scheme"},
		{"1.2.3.4", "malformed peer URI: missing scheme"},
		{"1.2.3.4:5", "malformed peer URI: "},
		{"tcp://1.2.3.4", "malformed peer URI: peer address \"1.2.3.4\": address 1.2.3.4: missing port in address"},
		{"tcp://:5", "has no host"},
		{"tcp://h:0", "has a bad port"},
		{"tcp://h:99999", "has a bad port"},
		{"tcp://h:x", "malformed peer URI: invalid port"},
		{"tcp://[fe80::1%eth0]:5", "malformed peer URI: invalid URL escape"},
		{"tcp:1.2.3.4:5", "malformed peer URI: peer address \"\""},
		{"tcp://u:p@1.2.3.4:5", "user info is only allowed on socks URIs"},
		{"tcp://1.2.3.4:5/x", "unexpected path \"/x\""},
		{"socks://proxy:1080", "malformed peer URI: peer address \"\""},
		{"socks://proxy:1080/peer", "peer address \"peer\""},
		{"socks://proxy/peer:1", "proxy address \"proxy\""},
		{"socks://proxy:1/peer:1/more", "unexpected path \"/peer:1/more\""},
		{"socks://:pw@proxy:1/peer:1", "empty SOCKS username"},
		{"tcp://1.2.3.4:5?curve25519=abcd", "pinned curve25519 key has 2 bytes, want 32"},
		{"tcp://1.2.3.4:5?ed25519=" + boxHexA + "00", "pinned ed25519 key has 33 bytes, want 32"},
		{"tcp://1.2.3.4:5?curve25519=", "pinned curve25519 key has 0 bytes, want 32"},
		// A pin that is not hex would be dropped, letting any key through.
		{"tcp://1.2.3.4:5?curve25519=zz", "malformed peer URI: curve25519 pin is not valid hex"},
		{"tcp://1.2.3.4:5?ed25519=" + sigHexM + "&ed25519=xyz", "malformed peer URI: ed25519 pin is not valid hex"},
		{"tcp://1.2.3.4:5?curve25519=" + boxHexA[1:], "curve25519 pin is not valid hex"},
		{"tcp://1.2.3.4:5?curve25519=%zz" + boxHexA, "curve25519 pin is not valid hex (bad % escape)"},
		{"tcp://1.2.3.4:5?x=1;curve25519=" + boxHexA + "zz", "curve25519 pin is not valid hex"},
		{"tcp://1.2.3.4:5?%65d25519=nothex", "ed25519 pin is not valid hex"},
		{"tcp://1.2.3.4:5?curve25519=" + boxHexA + "%3Bx", "curve25519 pin is not valid hex"},
		{"tcp://1.2.3.4:5?a=b@c", "'@' is only allowed before a SOCKS proxy address"},
		// No error quotes the password "hunter2", not even one that spills
		// out of the user info because it holds an unescaped '/', '?' or '#'.
		{"socks://alice:hunter2@proxy:1080/peer:1/%zz", "malformed peer URI: not a valid URI"},
		{"socks://alice:hunter2%zz@proxy:1080/peer:1", "malformed peer URI: not a valid URI"},
		{"socks://alice:hunter2/x@proxy:1080/peer:1", "malformed peer URI: not a valid URI"},
		{"socks://alice:hunter2?x@proxy:1080/peer:1", "malformed peer URI: not a valid URI"},
		{"socks://alice:hunter2#x@proxy:1080/peer:1", "malformed peer URI: not a valid URI"},
		{"socks://alice:123/hunter2@proxy:1080/peer:1", "'@' is only allowed before a SOCKS proxy address"},
		{"socks://alice:123?hunter2@proxy:1080/peer:1", "'@' is only allowed before a SOCKS proxy address"},
		{"tcp://alice:123#hunter2@proxy:1080", "'@' is only allowed before a SOCKS proxy address"},
		{"socks://alice:hunter2@proxy/peer:1", "proxy address \"proxy\""},
		{"socks://alice:hunter2@proxy:1080/peer:1?curve25519=hunter2", "curve25519 pin is not valid hex"},
		{"socks://alice:hunter2@proxy:1080/peer:1/x", "unexpected path \"/peer:1/x\""},
	}
	for _, tt := range tests {
		_, err := ParsePeerURI(tt.in)
		if err == nil {
			t.Errorf("%q: no error, want %q", tt.in, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "%zz") {
			t.Errorf("%q: error shows the password: %v", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestPeerURIPasswordNeverPrinted(t *testing.T) {
	u, err := ParsePeerURI("socks://alice:hunter2@proxy:1080/peer:1")
	if err != nil {
		t.Fatal(err)
	}
	if s := u.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "alice") {
		t.Errorf("String() = %q", s)
	}
	plain, _ := ParsePeerURI("tcp://1.2.3.4:5?curve25519=" + boxHexA)
	if plain.String() != plain.Raw {
		t.Errorf("String() = %q, want the raw URI", plain.String())
	}
}

func TestPins(t *testing.T) {
	boxA, boxB, sigM := mustBox(t, boxHexA), mustBox(t, boxHexB), mustSig(t, sigHexM)
	var sigOther crypto.SigPubKey
	sigOther[0] = 1
	open, _ := ParsePeerURI("tcp://h:1")
	if !open.AllowsBox(boxA) || !open.AllowsSig(sigM) {
		t.Error("no pins must allow every key")
	}
	pinned, _ := ParsePeerURI("tcp://h:1?curve25519=" + boxHexB + "&ed25519=" + sigHexM)
	if pinned.AllowsBox(boxA) || !pinned.AllowsBox(boxB) {
		t.Error("box pin not applied")
	}
	if pinned.AllowsSig(sigOther) || !pinned.AllowsSig(sigM) {
		t.Error("sig pin not applied")
	}
}

func TestParseListenURI(t *testing.T) {
	tests := []struct{ in, proto, addr, err string }{
		{in: "tcp://[::]:0", proto: "tcp", addr: "[::]:0"},
		{in: "tls://0.0.0.0:12345", proto: "tls", addr: "0.0.0.0:12345"},
		{in: "tcp://[fe80::1%eth0]:0", proto: "tcp", addr: "[fe80::1%eth0]:0"},
		{in: "tcp://:0", proto: "tcp", addr: ":0"},
		{in: "TCP://[::]:0", err: "listener TCP://[::]:0 is not correctly formatted"},
		{in: "udp://[::]:0", err: "listener udp://[::]:0 is not correctly formatted"},
		{in: "[::]:0", err: "listener [::]:0 is not correctly formatted"},
		{in: "tcp", err: "listener tcp is not correctly formatted"},
		{in: "", err: "listener  is not correctly formatted"},
	}
	for _, tt := range tests {
		proto, addr, err := parseListenURI(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || proto != tt.proto || addr != tt.addr {
			t.Errorf("%q: got %q %q %v", tt.in, proto, addr, err)
		}
	}
}

func FuzzParsePeerURI(f *testing.F) {
	for _, s := range []string{"tcp://1.2.3.4:5", "tls://[::1]:5?curve25519=" + boxHexA,
		"socks://u:p@h:1/p:2?ed25519=" + sigHexM, "bogus://x", "socks://h:1/[::1]:2", "tcp://%zz",
		"socks://user:123/secret@h:1/p:2", "socks://user:secret/x@h:1/p:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParsePeerURI(s)
		if err != nil {
			checkErrorHidesUserinfo(t, s, err)
			return
		}
		switch u.Scheme {
		case SchemeTCP, SchemeTLS:
			if u.ProxyHost != "" || u.ProxyUser != "" {
				t.Fatalf("%q: proxy fields on %s", s, u.Scheme)
			}
		case SchemeSOCKS:
			if checkHostPort(u.ProxyHost, "proxy") != nil {
				t.Fatalf("%q: bad proxy %q accepted", s, u.ProxyHost)
			}
		default:
			t.Fatalf("%q: scheme %q accepted", s, u.Scheme)
		}
		if checkHostPort(u.Host, "peer") != nil {
			t.Fatalf("%q: bad host %q accepted", s, u.Host)
		}
		// The password may legitimately reappear as text in the query or
		// fragment, so the check reads back the userinfo String produced.
		if u.ProxyPass != "" {
			ru, err := url.Parse(u.String())
			if err != nil || ru.User == nil {
				t.Fatalf("%q: String gives %q, which does not read back", s, u.String())
			}
			if pass, _ := ru.User.Password(); pass != "xxxxx" {
				t.Fatalf("%q: String leaks the password: %q", s, u.String())
			}
		}
		if u.CallName("") != u.Host || !strings.HasSuffix(u.CallName("x"), "/"+u.Host+"/x") {
			t.Fatalf("%q: call names %q %q", s, u.CallName(""), u.CallName("x"))
		}
	})
}

// checkErrorHidesUserinfo fails if err quotes a piece of what may be user
// info in s (the text between "://" and the last '@', split at ":/?#@"),
// such as the start of a password that an unescaped '/' cut short. Pieces
// shorter than 4 bytes or found elsewhere in s are not checked: the error
// may rightly quote the other place.
func checkErrorHidesUserinfo(t *testing.T, s string, err error) {
	_, rest, ok := strings.Cut(s, "://")
	at := strings.LastIndex(rest, "@")
	if !ok || at < 0 {
		return
	}
	quoted := strings.Join(quotedText.FindAllString(err.Error(), -1), " ")
	pieces := strings.FieldsFunc(rest[:at], func(r rune) bool { return strings.ContainsRune(":/?#@", r) })
	for _, piece := range pieces {
		if len(piece) >= 4 && strings.Count(s, piece) == 1 && strings.Contains(quoted, piece) {
			t.Fatalf("%q: error quotes %q from the user info: %v", s, piece, err)
		}
	}
}

var quotedText = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

func FuzzParseListenURI(f *testing.F) {
	for _, s := range []string{"tcp://[::]:0", "tls://:1", "tcp", "", "udp://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		proto, addr, err := parseListenURI(s)
		if err != nil {
			return
		}
		if proto+"://"+addr != s {
			t.Fatalf("%q split into %q %q", s, proto, addr)
		}
	})
}
