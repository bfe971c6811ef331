# One warning policy for every etcdpp target. Third-party headers are included as SYSTEM
# so their warnings do not fail our build.
add_library(etcdpp_warnings INTERFACE)
target_compile_options(etcdpp_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(etcdpp_warnings INTERFACE
    # GCC 12 reports false positives in libstdc++ string code (GCC bug 105329).
    -Wno-restrict
    # ... and on asio coroutine frames (operator delete of awaitable_frame_base).
    -Wno-mismatched-new-delete)
endif()
if(ETCDPP_WERROR)
  target_compile_options(etcdpp_warnings INTERFACE -Werror)
endif()
