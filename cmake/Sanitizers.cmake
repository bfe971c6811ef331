# Sanitizer builds are whole-program: every target, tests included, gets the same flags.
if(ETCDPP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ETCDPP_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that asio's std::atomic_thread_fence is not modelled by TSan; asio's own
    # synchronisation there is through mutexes and the reactor, which TSan sees.
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
endif()
