package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
)

type result struct {
	code           int
	stdout, stderr string
	node           *nodeStart // set when the node would have been started
}

type nodeStart struct {
	cfg      *config.NodeConfig
	keys     config.Keys
	confPath string
}

// runWith runs the program with a recording stand-in for the node.
func runWith(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var r result
	startNode = func(cfg *config.NodeConfig, keys config.Keys, log *logging.Logger, confPath string) int {
		r.node = &nodeStart{cfg, keys, confPath}
		return 0
	}
	t.Cleanup(func() { startNode = runNode })
	var out, errOut bytes.Buffer
	r.code = run(args, strings.NewReader(stdin), &out, &errOut)
	r.stdout, r.stderr = out.String(), errOut.String()
	return r
}

type keySet struct {
	EncryptionPublicKey, EncryptionPrivateKey, SigningPublicKey, SigningPrivateKey string
	Address                                                                        string `json:"address"`
	Subnet                                                                         string `json:"subnet"`
}

func loadVectors(t *testing.T) []keySet {
	t.Helper()
	raw, err := os.ReadFile("testdata/v0316-keys-addresses.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []keySet }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 48 {
		t.Fatalf("want 48 vectors, got %d", len(f.Vectors))
	}
	return f.Vectors
}

// configText is a minimal HJSON config holding one key set.
func configText(k keySet) string {
	return "{\n  EncryptionPublicKey: " + k.EncryptionPublicKey +
		"\n  EncryptionPrivateKey: " + k.EncryptionPrivateKey +
		"\n  SigningPublicKey: " + k.SigningPublicKey +
		"\n  SigningPrivateKey: " + k.SigningPrivateKey + "\n}\n"
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "yggdrasil.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The flag list of spec 03 §1.1: names, types, defaults, Go's layout.
var flagLines = []string{
	"  -address", "  -autoconf", "  -genconf", "  -json", "  -loglevel string", "  -logto string",
	"  -normaliseconf", "  -subnet", "  -useconf", "  -useconffile string", "  -version",
}

func checkFlagList(t *testing.T, text string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 2*len(flagLines) {
		t.Fatalf("flag list has %d lines:\n%s", len(lines), text)
	}
	for i, want := range flagLines {
		if lines[2*i] != want || !strings.HasPrefix(lines[2*i+1], "    \t") {
			t.Fatalf("flag entry %d is %q / %q, want %q and a usage line", i, lines[2*i], lines[2*i+1], want)
		}
	}
	if !strings.Contains(text, `(default "info")`) || !strings.Contains(text, `(default "stdout")`) {
		t.Fatalf("defaults missing from\n%s", text)
	}
}

func TestNoModePrintsFlagList(t *testing.T) {
	for _, args := range [][]string{nil, {"-json"}, {"-address"}, {"-normaliseconf"}, {"-loglevel", "debug"}} {
		r := runWith(t, "", args...)
		if r.code != 0 || r.stdout != "" || r.node != nil {
			t.Fatalf("%v: code %d stdout %q", args, r.code, r.stdout)
		}
		checkFlagList(t, r.stderr)
	}
}

func TestHelpAndUnknownFlag(t *testing.T) {
	r := runWith(t, "", "-h")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "Usage of yggdrasil:\n") {
		t.Fatalf("-h: code %d, stderr %q", r.code, r.stderr)
	}
	checkFlagList(t, strings.TrimPrefix(r.stderr, "Usage of yggdrasil:\n"))
	for _, args := range [][]string{{"-x"}, {"--nope=1", "-genconf"}, {"-genconf=maybe"}} {
		r = runWith(t, "", args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "Usage of yggdrasil:\n") {
			t.Fatalf("%v: code %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := runWith(t, "", "-x"); !strings.HasPrefix(r.stderr, "flag provided but not defined: -x\n") {
		t.Fatalf("unknown flag message: %q", r.stderr)
	}
}

func TestVersion(t *testing.T) {
	// -version comes first, whatever else is given.
	r := runWith(t, "", "-genconf", "-useconffile", "/nonexistent", "-address", "-autoconf", "-version")
	if r.code != 0 || r.stdout != "Build name: unknown\nBuild version: unknown\n" || r.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestGenconf(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		args := []string{"-genconf"}
		if asJSON {
			args = append(args, "-json", "-address") // -genconf wins over -address
		}
		r := runWith(t, "", args...)
		if r.code != 0 || r.stderr != "" || r.node != nil {
			t.Fatalf("%v: code %d stderr %q", args, r.code, r.stderr)
		}
		cfg, err := config.Parse([]byte(r.stdout))
		if err != nil {
			t.Fatalf("%v: output does not read back: %v", args, err)
		}
		if _, err := cfg.Keys(); err != nil {
			t.Fatalf("%v: generated keys invalid: %v", args, err)
		}
		isJSON := strings.HasPrefix(r.stdout, "{\n  \"Peers\": [],\n")
		if isJSON != asJSON || !strings.HasSuffix(r.stdout, "}\n") {
			t.Fatalf("%v: wrong format:\n%s", args, r.stdout)
		}
		if asJSON && !strings.Contains(r.stdout, "\"NodeInfo\": null\n") {
			t.Fatalf("JSON output must show nil NodeInfo as null:\n%s", r.stdout)
		}
		// The same config, printed again by -normaliseconf, is unchanged.
		again := runWith(t, r.stdout, append(args[:len(args):len(args)], "-useconf", "-normaliseconf")...)
		if asJSON && again.stdout != r.stdout {
			t.Fatalf("JSON -normaliseconf changed a generated config:\n%s\nwas\n%s", again.stdout, r.stdout)
		}
	}
}

func TestNormaliseconf(t *testing.T) {
	v := loadVectors(t)[0]
	text := "{\n  Listen: \"tcp://[::]:1234\"\n  ifmtu: 70000\n  IfTAPMode: true\n" +
		"  EncryptionPublicKey: " + v.EncryptionPublicKey + "\n  EncryptionPrivateKey: " + v.EncryptionPrivateKey + "\n}\n"
	path := writeFile(t, text)
	// -normaliseconf wins over -address and over -genconf.
	r := runWith(t, "", "-useconffile", path, "-normaliseconf", "-json", "-address", "-genconf")
	if r.code != 0 || r.stderr != "" || r.node != nil {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if l, ok := got["Listen"].([]any); !ok || len(l) != 1 || l[0] != "tcp://[::]:1234" {
		t.Errorf("Listen not migrated: %v", got["Listen"])
	}
	if got["IfMTU"] != 4464.0 || got["EncryptionPublicKey"] != v.EncryptionPublicKey || got["AdminListen"] == nil {
		t.Errorf("values: %v %v %v", got["IfMTU"], got["EncryptionPublicKey"], got["AdminListen"])
	}
	// The 18 keys of the v0.3.16 schema and our Limits section.
	if _, ok := got["IfTAPMode"]; ok || len(got) != 19 || got["Limits"] == nil {
		t.Errorf("want exactly the 18 schema keys and Limits, got %d", len(got))
	}
	r = runWith(t, "", "-useconffile", path, "-normaliseconf")
	if !strings.Contains(r.stdout, "\n  Listen:\n  [\n    tcp://[::]:1234\n  ]\n") || !strings.Contains(r.stdout, "\n  IfMTU: 4464\n") {
		t.Fatalf("HJSON -normaliseconf:\n%s", r.stdout)
	}
}

// -address and -subnet print the reference's values for all 48 key sets,
// reading the config from a file and from stdin.
func TestAddressAndSubnetVectors(t *testing.T) {
	for i, v := range loadVectors(t) {
		var addr, subnet result
		if i%2 == 0 {
			path := writeFile(t, configText(v))
			addr = runWith(t, "", "-useconffile", path, "-address")
			subnet = runWith(t, "", "-useconffile", path, "-subnet")
		} else {
			addr = runWith(t, configText(v), "-useconf", "-address")
			subnet = runWith(t, configText(v), "-useconf", "-subnet")
		}
		if addr.code != 0 || addr.stdout != v.Address+"\n" || addr.stderr != "" {
			t.Errorf("vector %d: -address gave %d %q %q, want %q", i, addr.code, addr.stdout, addr.stderr, v.Address)
		}
		if subnet.code != 0 || subnet.stdout != v.Subnet+"\n" || subnet.stderr != "" {
			t.Errorf("vector %d: -subnet gave %d %q %q, want %q", i, subnet.code, subnet.stdout, subnet.stderr, v.Subnet)
		}
	}
}

func TestPrecedence(t *testing.T) {
	vs := loadVectors(t)
	a, b := vs[0], vs[1]
	fileA := writeFile(t, configText(a))

	// The file wins over stdin.
	if r := runWith(t, configText(b), "-useconf", "-useconffile", fileA, "-address"); r.stdout != a.Address+"\n" {
		t.Errorf("file over stdin: %q", r.stdout)
	}
	// -address wins over -subnet.
	if r := runWith(t, "", "-useconffile", fileA, "-subnet", "-address"); r.stdout != a.Address+"\n" {
		t.Errorf("-address over -subnet: %q", r.stdout)
	}
	// -autoconf ignores the config file (not even read), -normaliseconf and -genconf.
	r := runWith(t, "", "-autoconf", "-useconffile", "/nonexistent/file", "-normaliseconf", "-genconf", "-address")
	if r.code != 0 || !regexp.MustCompile(`^2[0-9a-f]{2}:[0-9a-f:]+\n$`).MatchString(r.stdout) || r.stdout == a.Address+"\n" {
		t.Errorf("-autoconf -address: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runWith(t, "", "-autoconf", "-subnet")
	if r.code != 0 || !regexp.MustCompile(`^3[0-9a-f]{2}:[0-9a-f:]+::/64\n$`).MatchString(r.stdout) {
		t.Errorf("-autoconf -subnet: %d %q", r.code, r.stdout)
	}
	// -autoconf starts a node from a fresh generated config.
	r = runWith(t, "", "-autoconf", "-normaliseconf")
	if r.code != 0 || r.stdout != "" || r.node == nil {
		t.Fatalf("-autoconf did not start the node: %d %q %q", r.code, r.stdout, r.stderr)
	}
	n := r.node
	if len(n.cfg.Peers) != 0 || len(n.cfg.Listen) != 0 || len(n.cfg.InterfacePeers) != 0 ||
		n.cfg.IfName != config.PlatformDefaults().IfName || n.confPath != "" ||
		n.keys.BoxPub.String() != n.cfg.EncryptionPublicKey {
		t.Errorf("autoconf config: %+v path %q", n.cfg, n.confPath)
	}
	again := runWith(t, "", "-autoconf")
	if again.node == nil || again.node.keys.BoxPub == n.keys.BoxPub {
		t.Error("-autoconf must use fresh keys each start")
	}
	// -genconf with a config file starts a node from the file.
	r = runWith(t, "", "-genconf", "-useconffile", fileA)
	if r.code != 0 || r.stdout != "" || r.node == nil || r.node.confPath != fileA ||
		r.node.keys.BoxPub.String() != a.EncryptionPublicKey || r.node.keys.SigPriv.Hex() != a.SigningPrivateKey {
		t.Fatalf("-genconf -useconffile: %d %q %+v", r.code, r.stdout, r.node)
	}
	// A config from stdin starts a node with no reload path.
	r = runWith(t, configText(b), "-useconf", "-logto", filepath.Join(t.TempDir(), "log"))
	if r.node == nil || r.node.confPath != "" || r.node.keys.BoxPub.String() != b.EncryptionPublicKey {
		t.Fatalf("-useconf node start: %+v", r.node)
	}
}

// Every kind of configuration problem is one line on stderr and exit 1,
// whether printing the address or starting the node; the node never starts.
func TestBadConfigExitsOne(t *testing.T) {
	v := loadVectors(t)[0]
	other := loadVectors(t)[1]
	dir := t.TempDir()
	cases := []struct {
		name, text string
		path       string // used instead of text when set
		want       string
	}{
		{name: "missing file", path: filepath.Join(dir, "missing.conf"), want: "yggdrasil: reading config: open "},
		{name: "directory", path: dir, want: "yggdrasil: reading config: read "},
		{name: "syntax", text: "{\n  Peers: [\n    tcp://a:1\n  }\n", want: "yggdrasil: config: line 4, column "},
		{name: "not an object", text: "[1, 2]", want: "yggdrasil: config: the file must hold an object"},
		{name: "type", text: "{Peers: 5}", want: "yggdrasil: config: Peers: expected a list of strings, got number"},
		{name: "negative", text: "{IfMTU: -1}", want: "yggdrasil: config: IfMTU: negative number -1"},
		{name: "bad hex", text: strings.Replace(configText(v), v.EncryptionPrivateKey, "x"+v.EncryptionPrivateKey[1:], 1),
			want: "yggdrasil: config: EncryptionPrivateKey is not valid hex"},
		{name: "short key", text: strings.Replace(configText(v), v.SigningPrivateKey, v.SigningPrivateKey[:64], 1),
			want: "yggdrasil: config: SigningPrivateKey has 32 bytes, must be exactly 64"},
		{name: "mismatched public key", text: strings.Replace(configText(v), v.EncryptionPublicKey, other.EncryptionPublicKey, 1),
			want: "yggdrasil: config: EncryptionPublicKey does not belong to EncryptionPrivateKey"},
		{name: "public key only", text: "{EncryptionPublicKey: " + v.EncryptionPublicKey + "\n}",
			want: "yggdrasil: config: EncryptionPublicKey does not belong to EncryptionPrivateKey"},
	}
	for _, tc := range cases {
		path := tc.path
		if path == "" {
			path = writeFile(t, tc.text)
		}
		for _, extra := range [][]string{{"-address"}, {"-subnet"}, nil} {
			args := append([]string{"-useconffile", path}, extra...)
			r := runWith(t, "", args...)
			if r.code != 1 || r.stdout != "" || r.node != nil {
				t.Errorf("%s %v: code %d stdout %q node %v", tc.name, extra, r.code, r.stdout, r.node != nil)
			}
			if !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Errorf("%s %v: stderr %q, want one line starting %q", tc.name, extra, r.stderr, tc.want)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") ||
				strings.Contains(r.stderr, v.EncryptionPrivateKey[2:]) {
				t.Errorf("%s: stderr %q", tc.name, r.stderr)
			}
		}
	}
	// -normaliseconf does not validate keys (loading never does), only parses.
	path := writeFile(t, strings.Replace(configText(v), v.EncryptionPublicKey, other.EncryptionPublicKey, 1))
	if r := runWith(t, "", "-useconffile", path, "-normaliseconf"); r.code != 0 {
		t.Errorf("-normaliseconf of a mismatched key: %d %q", r.code, r.stderr)
	}
	if r := runWith(t, "{IfMTU: true}", "-useconf", "-normaliseconf"); r.code != 1 ||
		r.stderr != "yggdrasil: config: IfMTU: expected a number, got boolean\n" {
		t.Errorf("-normaliseconf of a type error: %d %q", r.code, r.stderr)
	}
}

func TestLogger(t *testing.T) {
	var out bytes.Buffer
	log, closeLog := openLogger(filepath.Join(t.TempDir(), "missing", "x.log"), "LOUD", &out)
	log.Infof("info line")
	log.Debugf("debug line")
	closeLog()
	text := out.String()
	for _, want := range []string{"Warning: cannot log to ", "logging to stdout instead", `Warning: unknown log level "LOUD", using info`, "info line"} {
		if !strings.Contains(text, want) {
			t.Errorf("stdout lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "debug line") {
		t.Error("unknown level must mean info, not debug")
	}

	out.Reset()
	path := filepath.Join(t.TempDir(), "node.log")
	log, closeLog = openLogger(path, "Debug", &out)
	log.Debugf("to the file")
	closeLog()
	raw, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(raw), "to the file") || out.Len() != 0 {
		t.Fatalf("file logging: %q %v, stdout %q", raw, err, out.String())
	}
}

// The address printed is the one derived from the private key, which the
// configured public key has been checked against.
func TestAddressMatchesDerivedKey(t *testing.T) {
	r := runWith(t, "", "-genconf")
	cfg, err := config.Parse([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := cfg.Keys()
	if err != nil {
		t.Fatal(err)
	}
	pub := keys.BoxPriv.Public()
	want := address.ForKey(&pub).String() + "\n"
	if got := runWith(t, r.stdout, "-useconf", "-address"); got.stdout != want {
		t.Fatalf("-address %q, want %q", got.stdout, want)
	}
}
