package ctl

import (
	"fmt"
	"io"
	"slices"
)

// printPretty prints a successful response for the handler named cmd
// (lowercased), following the formatter table of spec 03 §6.4. Handlers
// without a formatter print the response as JSON. Fields of an unexpected
// type are skipped or shown with %v, never trusted.
func printPretty(w io.Writer, cmd string, res map[string]any, verbose bool) {
	switch cmd {
	case "list", "getpeers", "getswitchpeers", "getdht", "getsessions", "dhtping":
		printTable(w, res, verbose)
	case "gettuntap", "settuntap":
		printTunTap(w, res)
	case "getself":
		printSelf(w, res, verbose)
	case "addpeer", "removepeer",
		"addallowedencryptionpublickey", "removeallowedencryptionpublickey",
		// Handlers of older nodes that v0.3.16's ctl still formats; a
		// v0.3.16 node answers addLocalSubnet etc. instead, shown as JSON.
		"addsourcesubnet", "addroute", "removesourcesubnet", "removeroute":
		printChanges(w, res)
	case "getallowedencryptionpublickeys":
		printStrings(w, res["allowed_box_pubs"], "All connections are allowed",
			"Connections are allowed only from the following public box keys:")
	case "getmulticastinterfaces":
		printStrings(w, res["multicast_interfaces"], "No multicast interfaces found",
			"Multicast peer discovery is active on:")
	case "getsourcesubnets":
		printStrings(w, res["source_subnets"], "No source subnets found", "Source subnets:")
	case "getroutes":
		printRoutes(w, res)
	case "gettunnelrouting", "settunnelrouting":
		if res["enabled"] == true {
			fmt.Fprintln(w, "Tunnel routing is enabled")
		} else {
			fmt.Fprintln(w, "Tunnel routing is disabled")
		}
	case "getswitchqueues":
		printSwitchQueues(w, res)
	case "dot":
		fmt.Fprintln(w, res["dot"])
	default:
		_ = printJSON(w, res)
	}
}

// printTunTap prints one block per TUN interface. A node without TUN
// answers {"none": {}}, which prints just the name.
func printTunTap(w io.Writer, res map[string]any) {
	for _, name := range sortedKeys(res) {
		fmt.Fprintln(w, "Interface name:", name)
		info, _ := res[name].(map[string]any)
		if mtu, ok := info["mtu"].(float64); ok {
			fmt.Fprintln(w, "Interface MTU:", mtu)
		}
		if tap, ok := info["tap_mode"].(bool); ok {
			fmt.Fprintln(w, "TAP mode:", tap)
		}
	}
}

// printSelf prints the node's own details. Build name and version are left
// out while they are the unstamped "unknown"; keys only appear with -v.
func printSelf(w io.Writer, res map[string]any, verbose bool) {
	self, _ := res["self"].(map[string]any)
	for _, addr := range sortedKeys(self) {
		info, _ := self[addr].(map[string]any)
		for _, f := range []struct{ key, label string }{
			{"build_name", "Build name:"},
			{"build_version", "Build version:"},
		} {
			if v, ok := info[f.key]; ok && v != nil && v != "" && v != "unknown" {
				fmt.Fprintln(w, f.label, v)
			}
		}
		fmt.Fprintln(w, "IPv6 address:", addr)
		printField(w, info, "subnet", "IPv6 subnet:")
		printField(w, info, "coords", "Coords:")
		if verbose {
			printField(w, info, "node_id", "Node ID:")
			printField(w, info, "box_pub_key", "Public encryption key:")
			printField(w, info, "box_sig_key", "Public signing key:")
		}
	}
}

// printField prints "label value" if the key is present and not null.
func printField(w io.Writer, info map[string]any, key, label string) {
	if v, ok := info[key]; ok && v != nil {
		fmt.Fprintln(w, label, v)
	}
}

// printChanges prints the lists that add/remove handlers answer with, one
// line per element, in a fixed order.
func printChanges(w io.Writer, res map[string]any) {
	for _, f := range []struct{ key, label string }{
		{"added", "Added:"},
		{"not_added", "Not added:"},
		{"removed", "Removed:"},
		{"not_removed", "Not removed:"},
	} {
		list, _ := res[f.key].([]any)
		for _, item := range list {
			fmt.Fprintln(w, f.label, item)
		}
	}
}

// printStrings prints a list under a header. Missing or null prints the
// "none" text, while an empty list prints just the header, as v0.3.16 does
// (pitfall 4). The node sends null or [] as its state holds them, so an
// empty AllowedEncryptionPublicKeys shows the header alone although, like
// null, it allows every connection.
func printStrings(w io.Writer, v any, none, header string) {
	if v == nil {
		fmt.Fprintln(w, none)
		return
	}
	fmt.Fprintln(w, header)
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, item := range list {
		fmt.Fprintln(w, "-", item)
	}
}

// printRoutes prints crypto-key routes sorted by subnet (the reference
// prints them in random order).
func printRoutes(w io.Writer, res map[string]any) {
	routes, _ := res["routes"].(map[string]any)
	if len(routes) == 0 {
		fmt.Fprintln(w, "No routes found")
		return
	}
	fmt.Fprintln(w, "Routes:")
	for _, subnet := range sortedKeys(routes) {
		fmt.Fprintf(w, "- %s  via  %v\n", subnet, routes[subnet])
	}
}

// sortedKeys returns m's keys in byte order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
