package config

import "fmt"

// plainConfig has NodeConfig's fields but none of its methods, so Format
// can print it without calling itself.
type plainConfig NodeConfig

const redacted = "[private key redacted]"

// Format prints the config with fmt as usual but with both private keys
// redacted, so a config that ends up in a log line or an error does not
// leak them. MarshalHJSON and MarshalIndentJSON still write the keys.
func (c NodeConfig) Format(f fmt.State, verb rune) {
	c.EncryptionPrivateKey = redacted
	c.SigningPrivateKey = redacted
	fmt.Fprintf(f, fmt.FormatString(f, verb), plainConfig(c))
}
