package wire

import (
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// Certified state for client nodes and proven reads: execution certificates, subscription frames and the read
// protocol's answer.

// ExecCert is an execution certificate: the aggregate BLS signature of the replicas in Signers (at least f+1)
// over ExecSigningBytes(chain ID, Height, BlockHash). It certifies the block's header, so its state root.
//
//	height(8) blockHash(32) signers sigLen(1) sig
//
// signers is the signer bitmap (signers.go).
type ExecCert struct {
	Height    uint64
	BlockHash [32]byte
	Signers   consensus.ReplicaSet
	Sig       []byte
}

// Marshal encodes c.
func (c *ExecCert) Marshal() []byte { return c.append(nil) }

func (c *ExecCert) append(b []byte) []byte {
	b = be.AppendU64(b, c.Height)
	b = append(b, c.BlockHash[:]...)
	b = AppendSigners(b, c.Signers)
	return be.AppendLenBytes8(b, c.Sig)
}

func readExecCert(r *be.Reader) *ExecCert {
	return &ExecCert{Height: r.U64(), BlockHash: r.Hash32(), Signers: ReadSigners(r),
		Sig: r.LenBytes8(consensus.SigBytesMax)}
}

// UnmarshalExecCert decodes an execution certificate; it never panics.
func UnmarshalExecCert(b []byte) (*ExecCert, error) {
	r := be.NewReader(b, ErrMalformedCertified)
	c := readExecCert(r)
	return c, r.Done()
}

// Subscription frames (SubscribeProtocol). The request is from(8). Each pushed frame starts with its kind:
//
//	SubscribedBlock:    kind(1) top(8) blockLen(4) block certLen(4) cert   (top: the sender's height when sent)
//	SubscribedExecCert: kind(1) ExecCert                                   (of a block pushed before)
const (
	SubscribedBlock    byte = 1
	SubscribedExecCert byte = 2
)

// Subscribed is one pushed frame: a block with its commit certificate, or an execution certificate.
type Subscribed struct {
	Kind  byte
	Top   uint64
	Block BlockWithCert
	Exec  *ExecCert
}

// EncodeSubscribedBlock is a pushed block; top is the sender's height.
func EncodeSubscribedBlock(top uint64, block, cert []byte) []byte {
	b := be.AppendU64([]byte{SubscribedBlock}, top)
	return AppendBlockWithCert(b, block, cert)
}

// EncodeSubscribedExecCert is a pushed execution certificate.
func EncodeSubscribedExecCert(c *ExecCert) []byte { return c.append([]byte{SubscribedExecCert}) }

// DecodeSubscribed parses one pushed frame; it never panics on bad bytes.
func DecodeSubscribed(b []byte) (*Subscribed, error) {
	r := be.NewReader(b, ErrMalformedBlocks)
	s := &Subscribed{Kind: r.U8()}
	switch s.Kind {
	case SubscribedBlock:
		s.Top = r.U64()
		s.Block.Block = r.Bytes(int(r.U32()))
		s.Block.Cert = r.Bytes(int(r.U32()))
	case SubscribedExecCert:
		s.Exec = readExecCert(r)
	default:
		r.Failf("subscription frame kind %d", s.Kind)
	}
	return s, r.Done()
}

// ProvenRead is the read protocol's answer (ReadProtocol; the request is the key): a key's value at a height,
// with the header of that height, its execution certificate and the key's proof against the header's state root.
// The reader checks all three itself; the replica that answers is not trusted.
//
//	keyLen(2) key found(1) version(8) valueLen(4) value header(chain.HeaderBytes) signers sigLen(1) sig
//	proofLen(2) proof
type ProvenRead struct {
	KV   chain.KVProof
	Exec ExecCert // Height and BlockHash are the header's
}

// Marshal encodes p.
func (p *ProvenRead) Marshal() []byte {
	proof := p.KV.Proof.Marshal()
	b := make([]byte, 0, 2+len(p.KV.Key)+13+len(p.KV.Value)+chain.HeaderBytes+SignersBytesMax+1+len(p.Exec.Sig)+
		2+len(proof))
	b = be.AppendU16(b, uint16(len(p.KV.Key)))
	b = append(b, p.KV.Key...)
	b = append(b, boolByte(p.KV.Found))
	b = be.AppendU64(b, p.KV.Version)
	b = be.AppendLenBytes32(b, p.KV.Value)
	b = append(b, p.KV.Header.Marshal()...)
	b = AppendSigners(b, p.Exec.Signers)
	b = be.AppendLenBytes8(b, p.Exec.Sig)
	b = be.AppendU16(b, uint16(len(proof)))
	return append(b, proof...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// UnmarshalProvenRead decodes a read answer; it never panics. It checks sizes and form, not the proof.
func UnmarshalProvenRead(b []byte) (*ProvenRead, error) {
	if len(b) > ProvenReadBytesMax {
		return nil, errorf(ErrMalformedCertified, "read answer of %d bytes", len(b))
	}
	r := be.NewReader(b, ErrMalformedCertified)
	p := &ProvenRead{}
	if n := int(r.U16()); n <= chain.KeyBytesMax {
		p.KV.Key = r.BytesCopy(n)
	} else {
		r.Failf("key of %d bytes", n)
	}
	found := r.U8()
	p.KV.Found, p.KV.Version = found == 1, r.U64()
	if n := int(r.U32()); n <= chain.ValueBytesMax {
		p.KV.Value = r.BytesCopy(n)
	} else {
		r.Failf("value of %d bytes", n)
	}
	hdr, herr := chain.UnmarshalHeader(r.Bytes(chain.HeaderBytes))
	p.Exec.Signers, p.Exec.Sig = ReadSigners(r), r.LenBytes8(consensus.SigBytesMax)
	proof, perr := smt.UnmarshalProof(r.Bytes(int(r.U16())))
	if err := r.Done(); err != nil {
		return nil, err
	}
	if found > 1 || herr != nil || perr != nil {
		return nil, errorf(ErrMalformedCertified, "found flag, header or proof: %v %v", herr, perr)
	}
	p.KV.Header, p.KV.Proof = hdr, proof
	p.Exec.Height, p.Exec.BlockHash = hdr.Height, hdr.Hash()
	return p, nil
}
