//! The reference: the system allocator, no profiling.

fn main() {
    heap_overhead::run("system");
}
