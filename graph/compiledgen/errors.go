package compiledgen

import "fmt"

func errorf(format string, args ...any) error { return fmt.Errorf("compiledgen: "+format, args...) }
