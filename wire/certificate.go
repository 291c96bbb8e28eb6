package wire

import (
	"fmt"

	"github.com/sbftnet/sbft/consensus"
)

// MarshalCertificate encodes c for storage next to its block (and in blocks answers): a Committed message that
// carries only the certificate, so one codec reads both.
func MarshalCertificate(c consensus.Certificate) []byte {
	m := consensus.Message{Type: consensus.MsgCommitted, View: c.View, Seq: c.Seq, Digest: c.Digest, Cert: &c}
	return MarshalMessage(&m)
}

// UnmarshalCertificate decodes what MarshalCertificate wrote.
func UnmarshalCertificate(b []byte) (consensus.Certificate, error) {
	m, err := UnmarshalMessage(b)
	if err != nil {
		return consensus.Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	if m.Cert == nil {
		return consensus.Certificate{}, errorf(ErrMalformedMessage, "no certificate")
	}
	return *m.Cert, nil
}
