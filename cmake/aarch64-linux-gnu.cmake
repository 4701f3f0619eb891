# Cross-compiling for arm64 (Raspberry Pi OS / Debian 12 arm64) on an x86-64 Debian 12 machine, with
# Debian's crossbuild-essential-arm64 and a Debian 12 arm64 sysroot (scripts/test-arm64 makes one with
# mmdebstrap). The sysroot is CPX_ARM64_SYSROOT from the environment, else build-arm64/sysroot beside the
# source tree. Binaries built here run on this machine under qemu-user: CMake and the tests start them
# through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

if(DEFINED ENV{CPX_ARM64_SYSROOT})
  set(CPX_ARM64_SYSROOT "$ENV{CPX_ARM64_SYSROOT}")
else()
  get_filename_component(CPX_ARM64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-arm64/sysroot" ABSOLUTE)
endif()
if(NOT EXISTS "${CPX_ARM64_SYSROOT}/usr/include/aarch64-linux-gnu")
  message(FATAL_ERROR "aarch64-linux-gnu.cmake: no arm64 sysroot at ${CPX_ARM64_SYSROOT} (scripts/test-arm64 makes one)")
endif()
set(CMAKE_SYSROOT "${CPX_ARM64_SYSROOT}")

# Libraries, headers and CMake packages from the sysroot only; programs (protoc, node, python3) from the
# build machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -L: the emulated program's loader and shared libraries come from the sysroot.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L "${CPX_ARM64_SYSROOT}")
