//! dhat-rs: records every allocation (behind one global lock).

#[global_allocator]
static A: dhat::Alloc = dhat::Alloc;

fn main() {
    let profiler = dhat::Profiler::builder().file_name("/dev/null").build();
    heap_overhead::run("dhat");
    // Writing the (discarded) report is not measured.
    drop(profiler);
}
