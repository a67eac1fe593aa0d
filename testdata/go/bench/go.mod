module sextant.test/bench

go 1.19
