package ctl

import (
	"bytes"
	"strings"
	"testing"
)

const testKey = "11e9e151a28604339671c4ac14a24c32c44cf5a9f52d0cff2cf7fcaf4e50b70f"

// TestPrettyPrinters covers every non-table formatter. Expected texts are
// the captured outputs of spec 03 §6.4 where there is one.
func TestPrettyPrinters(t *testing.T) {
	getSelf := string(readTestdata(t, "getself.json"))
	for _, tc := range []struct {
		name     string
		envelope string
		verbose  bool
		want     string
	}{
		{"getSelf", getSelf, false,
			"IPv6 address: 201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a\n" +
				"IPv6 subnet: 301:14fa:2c2c:cee9::/64\n" +
				"Coords: []\n"},
		{"getSelf -v", getSelf, true,
			"IPv6 address: 201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a\n" +
				"IPv6 subnet: 301:14fa:2c2c:cee9::/64\n" +
				"Coords: []\n" +
				"Public encryption key: e381732a31fde5a678fd5db499d9a874a2cff5a9a8930868fefe356acbe24405\n"},
		{"getSelf stamped build, newer fields -v",
			envelope("getself", `{"self":{"200::1":{"build_name":"yggdrasil","build_version":"0.3.16","subnet":"300::/64","coords":"[1 2]","node_id":"nid","box_pub_key":"bpk","box_sig_key":"bsk"}}}`),
			true,
			"Build name: yggdrasil\nBuild version: 0.3.16\nIPv6 address: 200::1\nIPv6 subnet: 300::/64\nCoords: [1 2]\n" +
				"Node ID: nid\nPublic encryption key: bpk\nPublic signing key: bsk\n"},
		{"getSelf missing fields", envelope("getSelf", `{"self":{"200::1":{}}}`), true,
			"IPv6 address: 200::1\n"},
		{"getTunTap", envelope("getTunTap", `{"tun0":{"mtu":65535}}`), false,
			"Interface name: tun0\nInterface MTU: 65535\n"},
		{"getTunTap none", envelope("getTunTap", `{"none":{}}`), false,
			"Interface name: none\n"},
		{"setTunTap with tap_mode", envelope("setTunTap", `{"tap0":{"mtu":1500,"tap_mode":true},"odd":"x"}`), false,
			"Interface name: odd\nInterface name: tap0\nInterface MTU: 1500\nTAP mode: true\n"},
		{"addPeer", envelope("addPeer", `{"added":["tcp://10.203.0.2:7777"]}`), false,
			"Added: tcp://10.203.0.2:7777\n"},
		{"changes in fixed order", envelope("removeAllowedEncryptionPublicKey",
			`{"not_removed":["d"],"removed":["c"],"not_added":["b"],"added":["a","a2"]}`), false,
			"Added: a\nAdded: a2\nNot added: b\nRemoved: c\nNot removed: d\n"},
		{"old addRoute name", envelope("addroute", `{"added":["10.0.0.0/8 via k"]}`), false,
			"Added: 10.0.0.0/8 via k\n"},
		{"removePeer", envelope("removePeer", `{"removed":["tcp://h:1"]}`), false, "Removed: tcp://h:1\n"},
		{"addAllowedEncryptionPublicKey", envelope("addAllowedEncryptionPublicKey", `{"added":["`+testKey+`"]}`), false,
			"Added: " + testKey + "\n"},
		{"allowed keys null", envelope("getAllowedEncryptionPublicKeys", `{"allowed_box_pubs":null}`), false,
			"All connections are allowed\n"},
		{"allowed keys missing", envelope("getAllowedEncryptionPublicKeys", `{}`), false,
			"All connections are allowed\n"},
		{"allowed keys empty", envelope("getAllowedEncryptionPublicKeys", `{"allowed_box_pubs":[]}`), false,
			"Connections are allowed only from the following public box keys:\n"},
		{"allowed keys", envelope("getAllowedEncryptionPublicKeys", `{"allowed_box_pubs":["k1","k2"]}`), false,
			"Connections are allowed only from the following public box keys:\n- k1\n- k2\n"},
		{"multicast null", envelope("getMulticastInterfaces", `{"multicast_interfaces":null}`), false,
			"No multicast interfaces found\n"},
		{"multicast", envelope("getMulticastInterfaces", `{"multicast_interfaces":["eth0","wlan0"]}`), false,
			"Multicast peer discovery is active on:\n- eth0\n- wlan0\n"},
		{"source subnets null", envelope("getSourceSubnets", `{"source_subnets":null}`), false,
			"No source subnets found\n"},
		{"source subnets", envelope("getSourceSubnets", `{"source_subnets":["10.0.0.0/8","fd00::/8"]}`), false,
			"Source subnets:\n- 10.0.0.0/8\n- fd00::/8\n"},
		{"source subnets not a list", envelope("getSourceSubnets", `{"source_subnets":"10.0.0.0/8"}`), false,
			"Source subnets:\n- 10.0.0.0/8\n"},
		// The capture printed these two in random map order; we sort.
		{"getRoutes", envelope("getRoutes", `{"routes":{"fd00:2::/48":"`+testKey+`","10.98.0.0/16":"`+testKey+`"}}`), false,
			"Routes:\n- 10.98.0.0/16  via  " + testKey + "\n- fd00:2::/48  via  " + testKey + "\n"},
		{"getRoutes empty", envelope("getRoutes", `{"routes":{}}`), false, "No routes found\n"},
		{"getRoutes not an object", envelope("getRoutes", `{"routes":null}`), false, "No routes found\n"},
		{"tunnel routing on", envelope("getTunnelRouting", `{"enabled":true}`), false, "Tunnel routing is enabled\n"},
		{"tunnel routing off", envelope("setTunnelRouting", `{"enabled":false}`), false, "Tunnel routing is disabled\n"},
		{"tunnel routing string", envelope("getTunnelRouting", `{"enabled":"true"}`), false, "Tunnel routing is disabled\n"},
		{"dot", envelope("dot", `{"dot":"digraph {}"}`), false, "digraph {}\n"},
		{"getSessions none", envelope("getSessions", `{"sessions":{}}`), false, ""},
		{"addLocalSubnet prints JSON", envelope("addLocalSubnet", `{"added":["10.55.0.0/16"]}`), false,
			"{\n  \"added\": [\n    \"10.55.0.0/16\"\n  ]\n}\n"},
		{"getNodeInfo prints sorted JSON", envelope("getNodeInfo", `{"nodeinfo":{"name":"node-a","buildarch":"amd64","x":1.5,"h":"<&>"}}`), false,
			"{\n  \"nodeinfo\": {\n    \"buildarch\": \"amd64\",\n    \"h\": \"\\u003c\\u0026\\u003e\",\n    \"name\": \"node-a\",\n    \"x\": 1.5\n  }\n}\n"},
		{"unknown handler prints JSON", envelope("frobnicate", `{}`), false, "{}\n"},
		{"getSwitchQueues", envelope("getSwitchQueues",
			`{"switchqueues":{"queues_count":2,"queues_size":3000,"highest_queues_count":5,"highest_queues_size":9000,"maximum_queues_size":10000,`+
				`"queues":[{"queue_port":2,"queue_size":1000,"queue_packets":3,"queue_id":"ab"},{"queue_port":1,"queue_size":2000,"queue_packets":1,"queue_id":"c"},{"queue_port":2,"queue_size":500,"queue_packets":1,"queue_id":"d"}]}}`), false,
			"Active queue count: 2 queues\nActive queue size: 3000 bytes\nHighest queue count: 5 queues\n" +
				"Highest queue size: 9000 bytes\nMaximum queue size: 10000 bytes\nActive queues:\n" +
				"- Switch port 2, Stream ID: [97 98], size: 1000 bytes (10% full), 3 packets\n" +
				"- Switch port 1, Stream ID: [99], size: 2000 bytes (20% full), 1 packets\n" +
				"- Switch port 2, Stream ID: [100], size: 500 bytes (5% full), 1 packets\n" +
				"Aggregated statistics by switchport:\n" +
				"- Switch port 1, size: 2000 bytes (20% full), 1 packets\n" +
				"- Switch port 2, size: 1500 bytes (7% full), 4 packets\n"},
		{"getSwitchQueues empty", envelope("getSwitchQueues", `{"switchqueues":{"queues_count":0}}`), false,
			"Active queue count: 0 queues\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, status := render(t, tc.envelope, outputOptions{verbose: tc.verbose})
			diffText(t, got, tc.want)
			if status != exitOK {
				t.Errorf("status %d, want %d", status, exitOK)
			}
		})
	}
}

// TestJSONOutput checks -json: the response object only, 2-space indent,
// sorted keys, newline, whatever the handler.
func TestJSONOutput(t *testing.T) {
	got, status := render(t, string(readTestdata(t, "getself.json")), outputOptions{json: true, verbose: true})
	want := `{
  "self": {
    "201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a": {
      "box_pub_key": "e381732a31fde5a678fd5db499d9a874a2cff5a9a8930868fefe356acbe24405",
      "build_name": "unknown",
      "build_version": "unknown",
      "coords": "[]",
      "subnet": "301:14fa:2c2c:cee9::/64"
    }
  }
}
`
	diffText(t, got, want)
	if status != exitOK {
		t.Errorf("status %d", status)
	}
	// Numbers are floats on the way through, as in v0.3.16: integers stay
	// integers, large ones are not turned into exponent form.
	got, _ = render(t, envelope("getPeers", `{"peers":{"a":{"bytes_recvd":1234567,"uptime":0.5,"list":[]}}}`), outputOptions{json: true})
	want = "{\n  \"peers\": {\n    \"a\": {\n      \"bytes_recvd\": 1234567,\n      \"list\": [],\n      \"uptime\": 0.5\n    }\n  }\n}\n"
	diffText(t, got, want)
}

// TestEnvelopeChecks follows the order of checks of spec 03 §6.4.
func TestEnvelopeChecks(t *testing.T) {
	for _, tc := range []struct {
		name, envelope string
		json           bool
		want           string
		status         int
	}{
		{"node error", `{"error":"Failed to add source subnet","request":{"request":"addLocalSubnet"},"response":{"not_added":["x"]},"status":"error"}`,
			false, "Admin socket returned an error: Failed to add source subnet\n", exitFailure},
		{"node error with -json is still text", `{"error":"Expected field missing: uri","expecting":"uri","status":"error"}`,
			true, "Admin socket returned an error: Expected field missing: uri\n", exitFailure},
		{"node error without text", `{"status":"error"}`,
			false, "Admin socket returned an error but didn't specify any error text\n", exitFailure},
		{"missing request", `{"response":{},"status":"success"}`,
			false, "Missing request in response (malformed response?)\n", exitFailure},
		{"missing response", `{"request":{"request":"getSelf"},"status":"success"}`,
			false, "Missing response body (malformed response?)\n", exitFailure},
		{"missing request is checked first", `{}`,
			false, "Missing request in response (malformed response?)\n", exitFailure},
		{"status other than success", `{"request":{"request":"addPeer"},"response":{"added":["u"]},"status":"partial"}`,
			false, "Added: u\n", exitFailure},
		{"status other than success with -json", `{"request":{"request":"addPeer"},"response":{},"status":"partial"}`,
			true, "{}\n", exitFailure},
		{"no status is success", `{"request":{"request":"addPeer"},"response":{"added":["u"]}}`,
			false, "Added: u\n", exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, status := render(t, tc.envelope, outputOptions{json: tc.json})
			diffText(t, got, tc.want)
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
		})
	}
}

// TestMalformedEnvelope: the shapes the stock ctl cannot use (pitfall 2)
// are errors, reported as fatal by Main, and nothing is printed.
func TestMalformedEnvelope(t *testing.T) {
	for _, tc := range []struct{ envelope, want string }{
		{`{"request":"getSelf","response":{}}`, "malformed response: request is a string, not an object"},
		{`{"request":{},"response":{}}`, "malformed response: request.request is null, not a string"},
		{`{"request":{"request":5},"response":{}}`, "malformed response: request.request is a number, not a string"},
		{`{"request":{"request":"getSelf"},"response":[1]}`, "malformed response: response is an array, not an object"},
		{`{"request":{"request":"getSelf"},"response":null,"status":"success"}`, "malformed response: response is null, not an object"},
	} {
		var out bytes.Buffer
		status, err := printResponse(&out, decode(t, []byte(tc.envelope)), outputOptions{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.envelope, err, tc.want)
		}
		if status != exitFailure || out.Len() != 0 {
			t.Errorf("%s: status %d, output %q", tc.envelope, status, out.String())
		}
	}
}

func TestNilEnvelope(t *testing.T) {
	var out bytes.Buffer
	status, err := printResponse(&out, nil, outputOptions{})
	if err != nil || status != exitFailure || !strings.HasPrefix(out.String(), "Missing request") {
		t.Errorf("got %d, %v, %q", status, err, out.String())
	}
}
