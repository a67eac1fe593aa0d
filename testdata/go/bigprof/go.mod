module sextant.test/bigprof

go 1.19
