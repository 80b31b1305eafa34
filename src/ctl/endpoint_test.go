package ctl

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// useConfigFile points DefaultConfigPath at a new file holding data (or at
// nothing if data is nil) for the duration of the test.
func useConfigFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "yggdrasil.conf")
	if data != nil {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := DefaultConfigPath
	DefaultConfigPath = path
	t.Cleanup(func() { DefaultConfigPath = old })
	return path
}

// utf16File encodes text as UTF-16 with a byte order mark.
func utf16File(text string, bigEndian bool) []byte {
	units := utf16.Encode([]rune(text))
	out := []byte{0xFF, 0xFE}
	if bigEndian {
		out = []byte{0xFE, 0xFF}
	}
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestChooseEndpoint(t *testing.T) {
	const ts = "2026/11/22 12:30:22 "
	found := func(path string) string { return ts + "Found platform default config file " + path + "\n" }
	noOption := ts + "Configuration file doesn't contain appropriate AdminListen option\n" +
		ts + "Falling back to platform default " + DefaultEndpoint + "\n"
	for _, tc := range []struct {
		name   string
		config []byte // nil: no file
		given  string
		want   string
		diag   func(path string) string
	}{
		{"command line wins and the config is not read", []byte("{{{ broken"), "tcp://127.0.0.1:9001", "tcp://127.0.0.1:9001",
			func(string) string { return ts + "Using endpoint tcp://127.0.0.1:9001 from command line\n" }},
		{"AdminListen from config", []byte("AdminListen: tcp://[::1]:9001\n"), DefaultEndpoint, "tcp://[::1]:9001",
			func(p string) string { return found(p) + ts + "Using endpoint tcp://[::1]:9001 from AdminListen\n" }},
		{"JSON config", []byte(`{"AdminListen": "unix:///run/y.sock", "Peers": []}`), DefaultEndpoint, "unix:///run/y.sock",
			func(p string) string { return found(p) + ts + "Using endpoint unix:///run/y.sock from AdminListen\n" }},
		{"v0.3.16 -genconf output", readTestdata(t, "v0316-genconf.hjson"), DefaultEndpoint, "unix:///var/run/yggdrasil.sock",
			func(p string) string {
				return found(p) + ts + "Using endpoint unix:///var/run/yggdrasil.sock from AdminListen\n"
			}},
		{"AdminListen none", []byte("AdminListen: none"), DefaultEndpoint, DefaultEndpoint,
			func(p string) string { return found(p) + noOption }},
		{"AdminListen empty", []byte(`AdminListen: ""`), DefaultEndpoint, DefaultEndpoint,
			func(p string) string { return found(p) + noOption }},
		{"AdminListen absent", []byte("Peers: []"), DefaultEndpoint, DefaultEndpoint,
			func(p string) string { return found(p) + noOption }},
		{"AdminListen not a string", []byte("AdminListen: 9001"), DefaultEndpoint, DefaultEndpoint,
			func(p string) string { return found(p) + noOption }},
		{"key case matters", []byte("adminlisten: tcp://h:1"), DefaultEndpoint, DefaultEndpoint,
			func(p string) string { return found(p) + noOption }},
		{"empty file", []byte(""), DefaultEndpoint, DefaultEndpoint,
			func(p string) string { return found(p) + noOption }},
		{"UTF-16 little endian", utf16File("{\n  AdminListen: tcp://127.0.0.1:7\n  NodeInfo: {name: \"ü\"}\n}\n", false), DefaultEndpoint, "tcp://127.0.0.1:7",
			func(p string) string { return found(p) + ts + "Using endpoint tcp://127.0.0.1:7 from AdminListen\n" }},
		{"UTF-16 big endian", utf16File("AdminListen: tcp://127.0.0.1:8", true), DefaultEndpoint, "tcp://127.0.0.1:8",
			func(p string) string { return found(p) + ts + "Using endpoint tcp://127.0.0.1:8 from AdminListen\n" }},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, "AdminListen: tcp://127.0.0.1:9"...), DefaultEndpoint, "tcp://127.0.0.1:9",
			func(p string) string { return found(p) + ts + "Using endpoint tcp://127.0.0.1:9 from AdminListen\n" }},
		{"no config file", nil, DefaultEndpoint, DefaultEndpoint,
			func(p string) string {
				return ts + "Can't open config file from default location " + p + "\n" +
					ts + "Falling back to platform default " + DefaultEndpoint + "\n"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := useConfigFile(t, tc.config)
			var diag diagLog
			got, err := chooseEndpoint(tc.given, &diag)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("endpoint %q, want %q", got, tc.want)
			}
			diffText(t, diag.String(), tc.diag(path))
		})
	}
}

func TestChooseEndpointUnreadable(t *testing.T) {
	// A directory cannot be read as a file, even by root.
	dir := t.TempDir()
	old := DefaultConfigPath
	DefaultConfigPath = dir
	t.Cleanup(func() { DefaultConfigPath = old })
	var diag diagLog
	got, err := chooseEndpoint(DefaultEndpoint, &diag)
	if err != nil || got != DefaultEndpoint {
		t.Errorf("got %q, %v; want the default", got, err)
	}
	if !strings.Contains(diag.String(), "Can't open config file from default location "+dir) {
		t.Errorf("diagnostics: %q", diag.String())
	}
}

func TestChooseEndpointBadConfig(t *testing.T) {
	const secret = "deadbeefcafe0123456789"
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"unterminated", []byte("{\n  AdminListen: tcp://h:1\n  Peers: [\n"), "End of input"},
		{"trailing text", []byte("{\n  AdminListen: tcp://h:1\n}\n}\n"), "line 4"},
		{"not an object", []byte("[1, 2]"), "must hold an object"},
		{"null file", []byte("null"), "must hold an object"},
		{"secret near the error", []byte("{\n\"EncryptionPrivateKey\": \"" + secret + "\n}"), "line"},
		{"odd UTF-16", append(utf16File("AdminListen: x", false), 'x'), "odd number of bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := useConfigFile(t, tc.data)
			var diag diagLog
			got, err := chooseEndpoint(DefaultEndpoint, &diag)
			if err == nil {
				t.Fatalf("no error, endpoint %q", got)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": config: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to name %s and contain %q", msg, path, tc.want)
			}
			if strings.Contains(msg, secret[:8]) || strings.Contains(msg, ">>>") {
				t.Errorf("error quotes the config text: %q", msg)
			}
		})
	}
}

func TestDialEndpointErrors(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		want     string
	}{
		{"localhost:9001", "protocol not supported"},
		{"http://127.0.0.1:9001", "protocol not supported"},
		{"none", "protocol not supported"},
		{"", "protocol not supported"},
		{"[::1]:9001", "first path segment in URL cannot contain colon"},
		{"unix:rel", `malformed endpoint "unix:rel": expected unix://PATH`},
		{"tcp://127.0.0.1:bad", "invalid port"},
	} {
		var diag diagLog
		conn, err := dialEndpoint(context.Background(), tc.endpoint, &diag)
		if err == nil {
			conn.Close()
			t.Errorf("%q: no error", tc.endpoint)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q, want %q", tc.endpoint, err, tc.want)
		}
		if tc.want == "protocol not supported" && !errors.Is(err, errProtocol) {
			t.Errorf("%q: not errProtocol: %v", tc.endpoint, err)
		}
	}
}

// TestDialEndpoint connects over both schemes, written in any case.
func TestDialEndpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.sock")
	ul, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ul.Close() })
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tl.Close() })
	for _, tc := range []struct{ endpoint, diag string }{
		{"unix://" + path, "Connecting to UNIX socket " + path},
		{"UNIX://" + path, "Connecting to UNIX socket " + path},
		{"tcp://" + tl.Addr().String(), "Connecting to TCP socket " + tl.Addr().String()},
		{"Tcp://" + tl.Addr().String(), "Connecting to TCP socket " + tl.Addr().String()},
	} {
		var diag diagLog
		conn, err := dialEndpoint(context.Background(), tc.endpoint, &diag)
		if err != nil {
			t.Errorf("%s: %v", tc.endpoint, err)
			continue
		}
		conn.Close()
		if want := "2026/11/22 12:30:22 " + tc.diag + "\n"; diag.String() != want {
			t.Errorf("%s: diagnostics %q, want %q", tc.endpoint, diag.String(), want)
		}
	}
}

func TestPlatformDefaults(t *testing.T) {
	for _, tc := range []struct{ goos, endpoint, config string }{
		{"linux", "unix:///var/run/yggdrasil.sock", "/etc/yggdrasil.conf"},
		{"darwin", "unix:///var/run/yggdrasil.sock", "/etc/yggdrasil.conf"},
		{"freebsd", "unix:///var/run/yggdrasil.sock", "/usr/local/etc/yggdrasil.conf"},
		{"openbsd", "unix:///var/run/yggdrasil.sock", "/etc/yggdrasil.conf"},
		{"windows", "tcp://localhost:9001", `C:\Program Files\Yggdrasil\yggdrasil.conf`},
		{"plan9", "tcp://localhost:9001", "/etc/yggdrasil.conf"},
	} {
		if got := defaultEndpointFor(tc.goos); got != tc.endpoint {
			t.Errorf("%s endpoint %q, want %q", tc.goos, got, tc.endpoint)
		}
		if got := defaultConfigPathFor(tc.goos); got != tc.config {
			t.Errorf("%s config %q, want %q", tc.goos, got, tc.config)
		}
	}
}
