//! `sextant::heap::Sampler<System>` at Go's default rate (512 KiB); the heap profile is
//! written after the measurement, to show the sampler worked.

#[global_allocator]
static A: sextant::heap::Sampler<std::alloc::System> =
    sextant::heap::Sampler::new(std::alloc::System);

fn main() {
    heap_overhead::run("sextant");
    let s = sextant::memstats::read();
    let n = sextant::lookup("allocs").unwrap().count();
    eprintln!(
        "sextant: {} allocations, {} frees counted, {n} sampled stacks",
        s.mallocs, s.frees
    );
}
