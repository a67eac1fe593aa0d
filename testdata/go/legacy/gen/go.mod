module sextant.test/legacy

go 1.19
