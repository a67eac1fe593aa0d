module sextant.test/gen

go 1.19
