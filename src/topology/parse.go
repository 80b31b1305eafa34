package topology

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Parse reads an edge list: one undirected link a line, "A B", where A and B
// are any whitespace-free labels. Blank lines and everything from a '#' to
// the end of a line are ignored; self-loops and repeated links are dropped,
// since crawled peering lists contain both and neither is a link to simulate.
//
// Nodes are numbered in order of first appearance, so the numbering depends
// only on the file's content, and Labels holds the original tokens.
func Parse(r io.Reader) (*Graph, error) {
	index := make(map[string]int)
	var labels []string
	var links [][2]int
	id := func(label string) int {
		i, ok := index[label]
		if !ok {
			i = len(labels)
			index[label] = i
			labels = append(labels, label)
		}
		return i
	}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if c := strings.IndexByte(text, '#'); c >= 0 {
			text = text[:c]
		}
		fields := strings.Fields(text)
		switch len(fields) {
		case 0:
			continue
		case 2:
			links = append(links, [2]int{id(fields[0]), id(fields[1])})
		default:
			return nil, fmt.Errorf("topology: line %d: want two node labels \"A B\", got %d fields in %q", line, len(fields), sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		// The failed read was of the line after the last one scanned.
		return nil, fmt.Errorf("topology: line %d: %w", line+1, err)
	}
	return build(labels, links), nil
}
