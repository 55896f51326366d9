# The core: loader, state store, runtime (monitor), CLI. Included by
# core/CMakeLists.txt.
add_library(berth_core STATIC
  loader/loader.cc
  state/store.cc
  state/record_json.cc
  state/locks.cc
  runtime/features.cc
  runtime/monitor.cc
  runtime/process_setup.cc
  runtime/signals.cc
  runtime/spec_view.cc
  runtime/terminal.cc
)
target_include_directories(berth_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(berth_core PUBLIC
  berth_spec berth::driver_sdk berth::driver_helpers Boost::filesystem berth_log nlohmann_json::nlohmann_json
  Threads::Threads ${CMAKE_DL_LIBS})
target_compile_definitions(berth_core PUBLIC BOOST_DLL_USE_STD_FS)

add_executable(berth
  cli/main.cc
  cli/cmd_run.cc
  cli/cmd_drivers.cc
  cli/cmd_spec.cc
  cli/cmd_containers.cc
  cli/cmd_stop.cc
  cli/target.cc
  cli/remove.cc
)
target_link_libraries(berth PRIVATE berth_core CLI11::CLI11)
if(BERTH_STATIC_CXX_RUNTIME)
  target_link_options(berth PRIVATE -static-libstdc++ -static-libgcc)
endif()
target_compile_definitions(berth PRIVATE BERTH_VERSION="${PROJECT_VERSION}")
install(TARGETS berth RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
