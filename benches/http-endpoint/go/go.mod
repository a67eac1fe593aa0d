module httpref

go 1.19
