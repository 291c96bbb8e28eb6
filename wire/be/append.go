package be

import "encoding/binary"

// AppendU16 appends v big-endian.
func AppendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// AppendU32 appends v big-endian.
func AppendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// AppendU64 appends v big-endian.
func AppendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// AppendLenBytes8 appends a 1-byte length and p; the caller keeps len(p) within its limit (at most 255).
func AppendLenBytes8(b, p []byte) []byte { return append(append(b, byte(len(p))), p...) }

// AppendLenBytes32 appends a 4-byte length and p.
func AppendLenBytes32(b, p []byte) []byte { return append(AppendU32(b, uint32(len(p))), p...) }
