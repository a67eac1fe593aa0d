module sextant.test/httpserve

go 1.19
