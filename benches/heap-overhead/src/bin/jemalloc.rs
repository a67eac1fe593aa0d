//! jemalloc (tikv-jemallocator built with its heap profiler). run.sh runs it twice: with
//! `_RJEM_MALLOC_CONF=prof:false` (plain jemalloc) and with `prof:true,lg_prof_sample:19`
//! (jemalloc's own sampling, one sample per 512 KiB on average, as Go's and ours).

#[global_allocator]
static A: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "jemalloc".to_string());
    heap_overhead::run(&name);
}
