#include "api/manifest/utf8.h"

#include <cstdint>

namespace ferry::manifest {
namespace {

// One row of Unicode Table 3-7: a lead-byte range and the range its second
// byte must fall in; third and fourth bytes are always 80..BF.
struct Row {
  uint8_t lead_min, lead_max;
  int length;
  uint8_t second_min, second_max;
};

constexpr Row kTable[] = {
    {0x00, 0x7f, 1, 0, 0},          {0xc2, 0xdf, 2, 0x80, 0xbf},
    {0xe0, 0xe0, 3, 0xa0, 0xbf},    {0xe1, 0xec, 3, 0x80, 0xbf},
    {0xed, 0xed, 3, 0x80, 0x9f},    {0xee, 0xef, 3, 0x80, 0xbf},
    {0xf0, 0xf0, 4, 0x90, 0xbf},    {0xf1, 0xf3, 4, 0x80, 0xbf},
    {0xf4, 0xf4, 4, 0x80, 0x8f},
};

uint8_t Byte(absl::string_view text, size_t i) { return static_cast<uint8_t>(text[i]); }

bool IsContinuation(uint8_t b) { return b >= 0x80 && b <= 0xbf; }

const Row* RowOf(uint8_t lead) {
  for (const Row& row : kTable) {
    if (lead >= row.lead_min && lead <= row.lead_max) return &row;
  }
  return nullptr;
}

// Why the sequence at text[0] (known ill-formed) is refused.
const char* Reason(absl::string_view text) {
  const uint8_t lead = Byte(text, 0);
  if (IsContinuation(lead)) return "a continuation byte with no lead byte before it";
  if (lead == 0xc0 || lead == 0xc1) return "an overlong (non-shortest) encoding";
  if (lead >= 0xf5) return "not a UTF-8 lead byte (it would encode above U+10FFFF)";
  if (text.size() < 2 || !IsContinuation(Byte(text, 1))) {
    return text.size() < 2 ? "a multi-byte sequence cut short by the end of the file"
                           : "a multi-byte sequence cut short";
  }
  const uint8_t second = Byte(text, 1);
  if (lead == 0xe0 && second < 0xa0) return "an overlong (non-shortest) encoding";
  if (lead == 0xf0 && second < 0x90) return "an overlong (non-shortest) encoding";
  if (lead == 0xed && second >= 0xa0) {
    return "a UTF-16 surrogate (U+D800..U+DFFF), which UTF-8 does not carry";
  }
  if (lead == 0xf4 && second >= 0x90) return "above U+10FFFF, the last code point";
  const int length = RowOf(lead)->length;
  for (int k = 2; k < length; ++k) {
    if (static_cast<size_t>(k) >= text.size()) {
      return "a multi-byte sequence cut short by the end of the file";
    }
    if (!IsContinuation(Byte(text, k))) return "a multi-byte sequence cut short";
  }
  return "not UTF-8";  // unreachable for an ill-formed sequence
}

}  // namespace

int Utf8SequenceLength(absl::string_view text) {
  if (text.empty()) return 0;
  const Row* row = RowOf(Byte(text, 0));
  if (row == nullptr || text.size() < static_cast<size_t>(row->length)) return 0;
  if (row->length == 1) return 1;
  const uint8_t second = Byte(text, 1);
  if (second < row->second_min || second > row->second_max) return 0;
  for (int k = 2; k < row->length; ++k) {
    if (!IsContinuation(Byte(text, k))) return 0;
  }
  return row->length;
}

std::optional<Utf8Error> FindUtf8Error(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    // ASCII runs are the common case: skip them a byte at a time, cheaply.
    if (Byte(text, i) < 0x80) {
      ++i;
      continue;
    }
    const int length = Utf8SequenceLength(text.substr(i));
    if (length > 0) {
      i += length;
      continue;
    }
    Utf8Error error;
    error.offset = i;
    error.reason = Reason(text.substr(i));
    // Show the lead byte and the continuation bytes that follow it (up to 4).
    error.length = 1;
    while (error.length < 4 && i + error.length < text.size() &&
           !IsContinuation(Byte(text, i)) && IsContinuation(Byte(text, i + error.length))) {
      ++error.length;
    }
    return error;
  }
  return std::nullopt;
}

}  // namespace ferry::manifest
