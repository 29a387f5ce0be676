module example.com/locktest

go 1.26
