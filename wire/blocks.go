package wire

import "github.com/sbftnet/sbft/wire/be"

// The blocks protocol (BlocksProtocol, /sbft/<chain-id>/blocks/1) serves blocks with their commit certificates:
//
//	request: from(8) to(8)
//	answer:  n(4) { block_len(4) block cert_len(4) cert }*   blocks from..to ascending
//
// Blocks and certificates stay opaque here (chain.Block and MarshalCertificate bytes): the node decodes and
// checks them. A replica that lacks a block says so (an error answer) rather than letting the requester wait.

// BlocksRequest asks for blocks From..To (inclusive).
type BlocksRequest struct{ From, To uint64 }

// Marshal encodes q.
func (q BlocksRequest) Marshal() []byte { return be.AppendU64(be.AppendU64(nil, q.From), q.To) }

// UnmarshalBlocksRequest decodes and checks a request: at most BlocksChunkMax blocks, from height 1.
func UnmarshalBlocksRequest(b []byte) (BlocksRequest, error) {
	if len(b) != BlocksRequestBytes {
		return BlocksRequest{}, errorf(ErrMalformedBlocks, "request of %d bytes, want %d", len(b), BlocksRequestBytes)
	}
	r := be.NewReader(b, ErrMalformedBlocks)
	q := BlocksRequest{From: r.U64(), To: r.U64()}
	if q.From == 0 || q.To < q.From || q.To-q.From >= BlocksChunkMax {
		return BlocksRequest{}, errorf(ErrMalformedBlocks, "blocks %d..%d: at most %d blocks from height 1",
			q.From, q.To, BlocksChunkMax)
	}
	return q, nil
}

// BlockWithCert is one entry of a blocks answer: the encoded block and its encoded commit certificate (empty
// when the source has none).
type BlockWithCert struct{ Block, Cert []byte }

// AppendBlocksAnswerCount starts an answer of count blocks.
func AppendBlocksAnswerCount(b []byte, count int) []byte { return be.AppendU32(b, uint32(count)) }

// AppendBlockWithCert appends one entry to an answer.
func AppendBlockWithCert(b, block, cert []byte) []byte {
	return be.AppendLenBytes32(be.AppendLenBytes32(b, block), cert)
}

// AppendBlockWithCertParts appends one entry to an answer kept as parts (the block is not copied; its length
// and the certificate with its length are new parts): the same bytes as AppendBlockWithCert, in three pieces.
func AppendBlockWithCertParts(parts [][]byte, block, cert []byte) [][]byte {
	return append(parts, be.AppendU32(nil, uint32(len(block))), block, be.AppendLenBytes32(nil, cert))
}

// BlockWithCertBytes is the size of an entry in an answer.
func BlockWithCertBytes(block, cert []byte) int { return 4 + len(block) + 4 + len(cert) }

// UnmarshalBlocksAnswer splits an answer into its entries (aliasing b for the blocks, copying certificates).
func UnmarshalBlocksAnswer(b []byte) ([]BlockWithCert, error) {
	r := be.NewReader(b, ErrMalformedBlocks)
	count := r.U32()
	if err := r.Err(); err != nil {
		return nil, errorf(ErrMalformedBlocks, "answer too short")
	}
	if count > BlocksChunkMax {
		return nil, errorf(ErrMalformedBlocks, "answer with %d blocks", count)
	}
	out := make([]BlockWithCert, 0, count)
	for i := uint32(0); i < count; i++ {
		block := r.Bytes(int(r.U32()))
		if r.Err() != nil {
			return nil, errorf(ErrMalformedBlocks, "answer: truncated block")
		}
		cert := r.BytesCopy(int(r.U32()))
		if r.Err() != nil {
			return nil, errorf(ErrMalformedBlocks, "answer: truncated certificate")
		}
		out = append(out, BlockWithCert{Block: block, Cert: cert})
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return out, nil
}

// The subscription request (SubscribeProtocol); the pushed frames are in reads.go.

// EncodeSubscribe is a subscription request from height from.
func EncodeSubscribe(from uint64) []byte { return be.AppendU64(nil, from) }

// DecodeSubscribe parses a subscription request.
func DecodeSubscribe(b []byte) (uint64, error) {
	r := be.NewReader(b, ErrMalformedFrame)
	from := r.U64()
	return from, r.Done()
}
