package wire

import (
	"fmt"

	"github.com/sbftnet/sbft/wire/proto"
)

// ErrMalformed is wrapped by every decoding error of this package and of wire/proto (it is proto.ErrMalformed).
var ErrMalformed = proto.ErrMalformed

// The codecs' own sentinels; each wraps ErrMalformed.
var (
	ErrMalformedMessage      = fmt.Errorf("%w consensus message", ErrMalformed)
	ErrMalformedHardState    = fmt.Errorf("%w hard state", ErrMalformed)
	ErrMalformedFrame        = fmt.Errorf("%w tx protocol frame", ErrMalformed)
	ErrMalformedAnnouncement = fmt.Errorf("%w checkpoint announcement", ErrMalformed)
	ErrMalformedBlocks       = fmt.Errorf("%w blocks frame", ErrMalformed)
	ErrMalformedCertified    = fmt.Errorf("%w certified-state frame", ErrMalformed)
)

// errorf wraps a codec's sentinel with what was wrong.
func errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", base, fmt.Sprintf(format, args...))
}
