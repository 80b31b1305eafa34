package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// outputOptions are the flags that shape what is printed.
type outputOptions struct {
	json    bool // -json: print the response object as indented JSON
	verbose bool // -v: show key columns and lines hidden by default
}

// printResponse checks a decoded response envelope in the order v0.3.16
// does (spec 03 §6.4) and prints it. It returns the exit status; a non-nil
// error means the envelope is unusable (request or response of the wrong
// type, pitfall 2) and is reported as a fatal error by the caller.
func printResponse(w io.Writer, recv map[string]any, opts outputOptions) (int, error) {
	if recv["status"] == "error" {
		// Shown as text even with -json: scripts look for this line.
		if text, ok := recv["error"]; ok {
			fmt.Fprintln(w, "Admin socket returned an error:", text)
		} else {
			fmt.Fprintln(w, "Admin socket returned an error but didn't specify any error text")
		}
		return exitFailure, nil
	}
	rawReq, ok := recv["request"]
	if !ok {
		fmt.Fprintln(w, "Missing request in response (malformed response?)")
		return exitFailure, nil
	}
	rawRes, ok := recv["response"]
	if !ok {
		fmt.Fprintln(w, "Missing response body (malformed response?)")
		return exitFailure, nil
	}
	req, ok := rawReq.(map[string]any)
	if !ok {
		return exitFailure, fmt.Errorf("malformed response: request is %s, not an object", jsonKind(rawReq))
	}
	name, ok := req["request"].(string)
	if !ok {
		return exitFailure, fmt.Errorf("malformed response: request.request is %s, not a string", jsonKind(req["request"]))
	}
	res, ok := rawRes.(map[string]any)
	if !ok {
		return exitFailure, fmt.Errorf("malformed response: response is %s, not an object", jsonKind(rawRes))
	}

	status := exitOK
	if s, ok := recv["status"]; ok && s != "success" {
		status = exitFailure
	}
	if opts.json {
		return status, printJSON(w, res)
	}
	printPretty(w, strings.ToLower(name), res, opts.verbose)
	return status, nil
}

// printJSON writes v with 2-space indentation, keys sorted and HTML
// characters escaped (Go's defaults, as v0.3.16 prints), and a newline.
func printJSON(w io.Writer, v any) error {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

// jsonKind names the JSON type of a decoded value for error messages,
// without quoting the value itself.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
