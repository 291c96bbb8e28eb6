package chain

// Bounds on transactions and blocks.
const (
	KeyBytesMax   = 256
	ValueBytesMax = 64 << 10
	// TxBytesMax is the largest encoded transaction.
	TxBytesMax = txFixedBytes + KeyBytesMax + ValueBytesMax
	// NonceWindow is how many recent nonces per client are remembered to accept slightly reordered ones.
	NonceWindow = 64
	// VerifyChunkMin is the fewest signatures one goroutine of VerifyTxsOnCores checks: batch verification
	// costs 57 µs a signature alone, 31 in fours, 24 in sixteens (BenchmarkVerifyTxs*), less when one
	// client's signatures coalesce (BenchmarkBatchVerify*).
	VerifyChunkMin = 16
	// BlockTxsMax bounds the transactions in one block (the consensus batch cap is lower).
	BlockTxsMax = 8192
	// BlockBytesMax bounds an encoded block.
	BlockBytesMax = 16 << 20
	// ResultBytesMax bounds an encoded result.
	ResultBytesMax = resultFixedBytes + ValueBytesMax
	// StateVersionsMax is how many recent blocks' states are kept for proven reads (versions.go). A version
	// holds the entries its block overwrote, StateVersionsBytesMax of those in all (older versions are dropped
	// first), and the state-tree nodes its block replaced: those are not counted, but bounded by the block
	// (at most BlockTxsMax paths of 256 nodes each) times StateVersionsMax.
	StateVersionsMax      = 16
	StateVersionsBytesMax = 64 << 20
)
