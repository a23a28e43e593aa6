// Replays a fuzz target over saved inputs, so the normal build (without libFuzzer) keeps every corpus and
// regression passing. Arguments: files or folders (every regular file directly inside, in name order);
// --optional=PATH names a folder that may be missing or empty (regressions/). Exits non-zero on a missing
// required path, an empty run, or a target that returns non-zero; a crash ends the process as it would.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

namespace fs = std::filesystem;

// An input slower than this is reported (fuzz targets must stay under a second per input), not failed.
constexpr double kSlowInputSeconds = 1.0;

bool collect(const fs::path &path, bool optional, std::vector<fs::path> *files)
{
    std::error_code error;
    if (fs::is_regular_file(path, error)) {
        files->push_back(path);
        return true;
    }
    if (!fs::is_directory(path, error)) {
        if (optional)
            return true;
        std::fprintf(stderr, "error: %s: no such file or folder\n", path.string().c_str());
        return false;
    }
    std::vector<fs::path> found;
    for (const fs::directory_entry &entry : fs::directory_iterator(path, error)) {
        if (entry.is_regular_file())
            found.push_back(entry.path());
    }
    if (error) {
        std::fprintf(stderr, "error: %s: %s\n", path.string().c_str(), error.message().c_str());
        return false;
    }
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    const std::string optionalPrefix = "--optional=";
    std::vector<fs::path> files;
    bool ok = true;
    int required = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        const bool optional = argument.rfind(optionalPrefix, 0) == 0;
        required += optional ? 0 : 1;
        ok = collect(optional ? argument.substr(optionalPrefix.size()) : argument, optional, &files) && ok;
    }
    if (required == 0) {
        std::fprintf(stderr, "usage: %s FILE|FOLDER... [--optional=FOLDER...]\n", argv[0]);
        return 2;
    }
    if (!ok)
        return 1;
    if (files.empty()) {
        std::fprintf(stderr, "error: no inputs found: a fuzz target needs a seed corpus\n");
        return 1;
    }

    for (const fs::path &file : files) {
        std::ifstream stream(file, std::ios::binary);
        // An exactly sized buffer, so that a sanitized build catches a read one byte past the input.
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
        if (!stream.good() && !stream.eof()) {
            std::fprintf(stderr, "error: %s: cannot read\n", file.string().c_str());
            return 1;
        }
        const auto start = std::chrono::steady_clock::now();
        const int result = LLVMFuzzerTestOneInput(bytes.empty() ? nullptr : bytes.data(), bytes.size());
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (result != 0) {
            std::fprintf(stderr, "error: %s: the target returned %d\n", file.string().c_str(), result);
            return 1;
        }
        if (seconds > kSlowInputSeconds)
            std::fprintf(stderr, "warning: %s took %.1f s\n", file.string().c_str(), seconds);
    }
    std::printf("replayed %zu inputs\n", files.size());
    return 0;
}
