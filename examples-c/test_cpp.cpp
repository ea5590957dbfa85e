// The header from C++: it compiles, links, and a small RAII wrapper works.
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "noob_core.h"

namespace {

void ok(noob_result result) {
    if (result != NOOB_OK) throw std::runtime_error(noob_last_error_message());
}

struct PoolDeleter {
    void operator()(noob_buffer_pool *pool) const { noob_buffer_pool_free(pool); }
};
using Pool = std::unique_ptr<noob_buffer_pool, PoolDeleter>;

Pool make_pool(size_t size, size_t max_pooled) {
    noob_buffer_pool *raw = nullptr;
    ok(noob_buffer_pool_new(size, max_pooled, &raw));
    return Pool(raw);
}

}  // namespace

int main() {
    try {
        if (std::string(noob_version()) != NOOB_VERSION_STRING) throw std::runtime_error("version");
        Pool pool = make_pool(1024, 2);
        noob_buffer buffer{};
        ok(noob_buffer_pool_acquire(pool.get(), &buffer));
        std::memcpy(buffer.data, "hello", 5);
        ok(noob_buffer_pool_release(pool.get(), buffer.token));
        if (noob_buffer_pool_release(pool.get(), buffer.token) != NOOB_ERR_NOT_OUTSTANDING)
            throw std::runtime_error("double release was not refused");
        std::puts("ok   test_cpp\nall passed");
        return 0;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "FAIL test_cpp: %s\n", error.what());
        return 1;
    }
}
