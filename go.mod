module github.com/tinyinit/tinyinit

go 1.26.0

require (
	github.com/hashicorp/go-reap v0.0.0-20170704170343-bf58d8a43e7b
	golang.org/x/sys v0.50.0
)

require github.com/pelletier/go-toml/v2 v2.4.3
