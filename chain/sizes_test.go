package chain

import (
	"errors"
	"strings"
	"testing"
)

// A client learns the bound it crossed, with the number a user can act on, before anything is signed.
func TestCheckSizes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		key, value int
		want       string
		is         error
	}{
		{"fits", 1, ValueBytesMax, "", nil},
		{"empty value fits", KeyBytesMax, 0, "", nil},
		{"value one over", 3, ValueBytesMax + 1, "value too large: 65,537 bytes, max 65,536", ErrTooLarge},
		{"value 100 KB", 3, 100 << 10, "value too large: 102,400 bytes, max 65,536", ErrTooLarge},
		{"key too large", KeyBytesMax + 1, 0, "key too large: 257 bytes, max 256", ErrTooLarge},
		{"empty key", 0, 1, "key empty", ErrMalformedTx},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSizes(make([]byte, tc.key), make([]byte, tc.value))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.Is(err, tc.is) {
				t.Fatalf("got %v, want %q (is %v)", err, tc.want, tc.is)
			}
		})
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 65536: "65,536", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
