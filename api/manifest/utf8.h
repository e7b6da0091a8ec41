// UTF-8 well-formedness, exactly as Unicode 15 Table 3-7 defines it: the
// encodings of U+0000..U+10FFFF minus the surrogates, each in its one
// shortest form. Manifests are UTF-8 (the API server stores nothing else), and
// the reader refuses the rest before YAML sees it.
//
//   Utf8SequenceLength("\xc3\xa9x") == 2      // é
//   Utf8SequenceLength("\xed\xa0\x80") == 0   // a surrogate
//   std::optional<Utf8Error> e = FindUtf8Error(text);  // e->offset, e->reason
#ifndef FERRY_API_MANIFEST_UTF8_H_
#define FERRY_API_MANIFEST_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace ferry::manifest {

// The length (1 to 4) of the well-formed sequence `text` starts with; 0 when
// it starts with none (or is empty).
int Utf8SequenceLength(absl::string_view text);

struct Utf8Error {
  size_t offset = 0;   // of the first byte of the ill-formed sequence
  size_t length = 1;   // its bytes worth showing (1 to 4, never past the text)
  const char* reason;  // "a UTF-16 surrogate (U+D800..U+DFFF)", ...
};

// The first ill-formed sequence, if any.
std::optional<Utf8Error> FindUtf8Error(absl::string_view text);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_UTF8_H_
