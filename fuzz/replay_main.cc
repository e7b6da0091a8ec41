// main() for a fuzz target built without libFuzzer: runs
// LLVMFuzzerTestOneInput once per input file named on the command line (or
// found under a named folder), in sorted order. A crash, a sanitizer report or
// a failed property aborts the process, so the test fails naming the input it
// was on. No input at all is a failure too: a corpus glob that matches nothing
// must not pass silently.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (std::filesystem::recursive_directory_iterator it(arg, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path().string());
      }
    } else {
      files.push_back(arg.string());
    }
    if (ec) {
      std::fprintf(stderr, "replay: %s: %s\n", argv[i], ec.message().c_str());
      return 2;
    }
  }
  std::vector<std::string> inputs;
  for (const std::string& f : files) {
    // Dictionaries ride along as data; they are not inputs.
    if (f.size() < 5 || f.compare(f.size() - 5, 5, ".dict") != 0) inputs.push_back(f);
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs; the target's corpus is empty or its glob is wrong\n");
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  for (const std::string& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: %s: cannot read\n", path.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "replay: %zu inputs, no finding\n", inputs.size());
  return 0;
}
