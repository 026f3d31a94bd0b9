package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// MariaDBPassword is the password of the user MariaDB's URL names.
const MariaDBPassword = "s3cret-Maria-pw"

// MariaDB starts a throwaway MariaDB server (Debian's mariadb-server package)
// on a free loopback port with a database feast and a user feast who has a
// password, and returns the mysql://feast:PASSWORD@127.0.0.1:PORT/feast URL
// Feast's SQL registry takes.
func MariaDB(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("MariaDB does not run with -short")
	}
	server, err := exec.LookPath("mariadbd")
	if err != nil {
		server = "/usr/sbin/mariadbd"
	}
	if _, err := os.Stat(server); err != nil {
		Missing(t, "MariaDB (Debian package mariadb-server)")
	}
	dir, err := os.MkdirTemp("", "feast-go-maria-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	user := []string{"--no-defaults"} // must come first
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "mysql", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
		user = append(user, "--user=mysql")
	}
	data := filepath.Join(dir, "data")
	install := exec.Command("mariadb-install-db", append(user, "--datadir="+data, "--auth-root-authentication-method=normal", "--skip-test-db")...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := FreePort(t)
	sock := filepath.Join(dir, "mysqld.sock")
	srv := exec.Command(server, append(user, "--datadir="+data, "--socket="+sock, "--bind-address=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--pid-file="+filepath.Join(dir, "pid"))...)
	logf, _ := os.Create(filepath.Join(t.TempDir(), "mariadb.log"))
	srv.Stdout, srv.Stderr = logf, logf
	inGroup(srv)
	if err := srv.Start(); err != nil {
		t.Fatalf("start MariaDB: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = srv.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
		<-exited
		_ = logf.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			deadline = time.Now()
			continue
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			sql := fmt.Sprintf("CREATE DATABASE feast; CREATE USER 'feast'@'%%' IDENTIFIED BY '%s'; GRANT ALL ON feast.* TO 'feast'@'%%';", MariaDBPassword)
			if out, err := exec.Command("mariadb", "--no-defaults", "--socket="+sock, "-uroot", "-e", sql).CombinedOutput(); err != nil {
				t.Fatalf("create the feast user: %v\n%s", err, out)
			}
			return fmt.Sprintf("mysql://feast:%s@%s/feast", MariaDBPassword, addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("MariaDB did not listen on %s:\n%s", addr, out)
	return ""
}
