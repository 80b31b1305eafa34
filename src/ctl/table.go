package ctl

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// hiddenColumns are left out of tables unless -v is given: long keys that
// make the table too wide to read, and internal flags.
var hiddenColumns = map[string]bool{
	"box_pub_key":   true,
	"box_sig_key":   true,
	"nodeinfo":      true,
	"was_mtu_fixed": true,
}

// printTable prints the table form used by list, getPeers, getSwitchPeers,
// getDHT, getSessions and dhtPing (spec 03 §6.4). Scripts cut these tables
// by column, so the v0.3.16 layout is kept exactly, quirks included:
//   - the columns are the sorted field names of the first row, minus the
//     hidden ones;
//   - a column is as wide as the longest %v text of its raw values (and then
//     at least its name), so a bytes_recvd of 1234567 makes the column as
//     wide as "1.234567e+06" although the cell shows "1234567", and a cell
//     wider than its column is not cut;
//   - every cell, the header's included, is followed by two spaces, so lines
//     end in spaces.
//
// Each top-level object of the response is a table of rows keyed by name;
// widths carry over from one table to the next. Rows are sorted by key
// (numerically for port numbers) where the reference prints them in map
// order, so the same state always prints the same text.
func printTable(w io.Writer, res map[string]any, verbose bool) {
	var columns []string
	haveColumns := false
	widths := make(map[string]int)
	keyWidth := 0
	for _, name := range sortedKeys(res) {
		rows, ok := res[name].(map[string]any)
		if !ok {
			continue
		}
		keys := sortedRowKeys(rows)
		for _, key := range keys {
			keyWidth = max(keyWidth, len(key))
			row, ok := rows[key].(map[string]any)
			if !ok {
				continue
			}
			if !haveColumns {
				columns = visibleColumns(row, verbose)
				haveColumns = true
			}
			for field, v := range row {
				if n := len(fmt.Sprint(v)); n > widths[field] {
					widths[field] = max(n, len(field))
				}
			}
		}
		var line strings.Builder
		if len(columns) > 0 {
			line.WriteString(pad("", keyWidth))
			for _, c := range columns {
				line.WriteString(pad(c, widths[c]))
			}
			fmt.Fprintln(w, line.String())
		}
		for _, key := range keys {
			line.Reset()
			line.WriteString(pad(key, keyWidth))
			row, _ := rows[key].(map[string]any)
			for _, c := range columns {
				line.WriteString(pad(cellText(c, row[c]), widths[c]))
			}
			fmt.Fprintln(w, line.String())
		}
	}
}

// pad left-justifies s to width (counted in runes, like %-*s; widths are
// counted in bytes, as the reference does) and adds the two-space separator.
func pad(s string, width int) string {
	return fmt.Sprintf("%-*s  ", width, s)
}

// visibleColumns returns a row's sorted field names, without the hidden
// ones unless verbose.
func visibleColumns(row map[string]any, verbose bool) []string {
	var cols []string
	for field := range row {
		if verbose || !hiddenColumns[field] {
			cols = append(cols, field)
		}
	}
	slices.Sort(cols)
	return cols
}

// sortedRowKeys orders row keys: decimal numbers (switch ports) by value,
// everything else in byte order after them.
func sortedRowKeys(rows map[string]any) []string {
	keys := sortedKeys(rows)
	slices.SortStableFunc(keys, func(a, b string) int {
		na, nb := isDecimal(a), isDecimal(b)
		switch {
		case na && nb:
			a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
			if len(a) != len(b) {
				return len(a) - len(b)
			}
			return strings.Compare(a, b)
		case na:
			return -1
		case nb:
			return 1
		}
		return 0
	})
	return keys
}

// isDecimal reports whether s is a non-empty run of ASCII digits.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cellText renders one table cell: byte counters as integers, durations as
// HH:MM:SS, anything else (and any value of an unexpected type) with %v.
func cellText(column string, v any) string {
	f, isNumber := v.(float64)
	switch {
	case isNumber && (column == "bytes_sent" || column == "bytes_recvd"):
		return integerText(f)
	case isNumber && f >= 0 && (column == "uptime" || column == "last_seen"):
		return durationText(f)
	}
	return fmt.Sprint(v)
}

// integerText formats the integer part of f in full, without exponent and
// without converting to a fixed-size integer, so no value can overflow.
func integerText(f float64) string {
	return strconv.FormatFloat(math.Trunc(f)+0, 'f', 0, 64) // +0 turns -0 into 0
}

// durationText formats non-negative seconds as HH:MM:SS; hours grow past two
// digits instead of wrapping into days.
func durationText(s float64) string {
	hours := integerText(math.Floor(s / 3600))
	if len(hours) < 2 {
		hours = "0" + hours
	}
	minutes := int(math.Mod(math.Floor(s/60), 60))
	seconds := int(math.Mod(math.Floor(s), 60))
	return fmt.Sprintf("%s:%02d:%02d", hours, minutes, seconds)
}
