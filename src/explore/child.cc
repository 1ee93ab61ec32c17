// Child processes of a sweep: fork + exec, pipes for stdout and stderr read with poll(), limits
// enforced by the parent (SIGKILL on timeout or over memory), the kernel's peak memory from
// wait4().
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>

#include "mnemo/error.h"
#include "src/explore/internal.h"

extern char** environ;

namespace mnemo::internal {
namespace {

constexpr size_t kErrKeep = 64 * 1024;
constexpr int kMemoryCheckMs = 50;

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Reads what is available; returns false at end of file.
bool ReadSome(int fd, std::string* into, size_t keep) {
  char buf[65536];
  while (true) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0) {
      into->append(buf, size_t(got));
      if (keep && into->size() > 2 * keep) into->erase(0, into->size() - keep);
      continue;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? true : false;
  }
}

int64_t ResidentBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  return 0;
}

// The environment of the child: ours with `extra` ("KEY=value") replacing or adding entries.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const std::string& x : extra) replaced = replaced || x.rfind(key, 0) == 0;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (std::string& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

[[noreturn]] void ExecChild(char* const* argv, char* const* envp, int out, int err,
                            pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  const int null = ::open("/dev/null", O_RDONLY);
  if (null >= 0) ::dup2(null, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  ::execve(argv[0], argv, envp);
  const char* msg = "mnemo: error: cannot start the sweep's child process: ";
  (void)!::write(2, msg, std::strlen(msg));
  const char* why = std::strerror(errno);
  (void)!::write(2, why, std::strlen(why));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

}  // namespace

ChildPool::~ChildPool() {
  for (Child& c : children_) {
    ::kill(c.pid, SIGKILL);
    ::waitpid(c.pid, nullptr, 0);
    if (c.out_fd >= 0) ::close(c.out_fd);
    if (c.err_fd >= 0) ::close(c.err_fd);
  }
}

void ChildPool::Start(int64_t tag, const std::vector<std::string>& argv_in,
                      const std::vector<std::string>& env_extra, const ChildLimits& limits) {
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> env = ChildEnvironment(env_extra);
  std::vector<char*> argv_p = Pointers(argv), env_p = Pointers(env);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) Fail("sweep: pipe: {}", std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    Fail("sweep: pipe: {}", std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) ExecChild(argv_p.data(), env_p.data(), out[1], err[1], parent);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    Fail("sweep: cannot start a child process: {}", std::strerror(errno));
  }
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  Child c;
  c.tag = tag;
  c.pid = pid;
  c.out_fd = out[0];
  c.err_fd = err[0];
  c.limits = limits;
  c.start = c.last_memory_check = Clock::now();
  children_.push_back(std::move(c));
}

void ChildPool::Pump(int timeout_ms) {
  std::vector<pollfd> fds;
  for (const Child& c : children_) {
    if (c.out_fd >= 0) fds.push_back({c.out_fd, POLLIN, 0});
    if (c.err_fd >= 0) fds.push_back({c.err_fd, POLLIN, 0});
  }
  if (fds.empty()) {
    ::usleep(useconds_t(timeout_ms) * 1000);
    return;
  }
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
  for (Child& c : children_) {
    for (const pollfd& p : fds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (p.fd == c.out_fd && !ReadSome(c.out_fd, &c.result.out, 0)) {
        ::close(c.out_fd);
        c.out_fd = -1;
      } else if (p.fd == c.err_fd && !ReadSome(c.err_fd, &c.result.err, kErrKeep)) {
        ::close(c.err_fd);
        c.err_fd = -1;
      }
    }
  }
}

void ChildPool::Enforce(Child& c) {
  if (c.result.timed_out || c.result.over_memory) return;
  const auto now = Clock::now();
  if (c.limits.timeout_s > 0 && Seconds(now - c.start) > c.limits.timeout_s) {
    c.result.timed_out = true;
    ::kill(c.pid, SIGKILL);
    return;
  }
  if (c.limits.max_memory_bytes > 0 &&
      now - c.last_memory_check >= std::chrono::milliseconds(kMemoryCheckMs)) {
    c.last_memory_check = now;
    const int64_t rss = ResidentBytes(c.pid);
    if (rss > c.limits.max_memory_bytes) {
      c.result.over_memory = true;
      c.result.killed_at_rss_bytes = rss;
      ::kill(c.pid, SIGKILL);
    }
  }
}

bool ChildPool::Reap(Child& c) {
  int status = 0;
  rusage usage{};
  const pid_t got = ::wait4(c.pid, &status, WNOHANG, &usage);
  if (got != c.pid) return false;
  c.result.wall_s = Seconds(Clock::now() - c.start);
  if (c.out_fd >= 0) ReadSome(c.out_fd, &c.result.out, 0);
  if (c.err_fd >= 0) ReadSome(c.err_fd, &c.result.err, kErrKeep);
  for (int* fd : {&c.out_fd, &c.err_fd})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
  if (WIFEXITED(status)) c.result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) c.result.signal = WTERMSIG(status);
  c.result.peak_rss_bytes = int64_t(usage.ru_maxrss) * 1024;
  if (c.result.err.size() > kErrKeep) c.result.err.erase(0, c.result.err.size() - kErrKeep);
  return true;
}

std::vector<std::pair<int64_t, ChildResult>> ChildPool::WaitAny() {
  MNEMO_CHECK(!children_.empty(), "WaitAny without children");
  while (true) {
    std::vector<std::pair<int64_t, ChildResult>> done;
    for (size_t i = 0; i < children_.size();) {
      Enforce(children_[i]);
      if (Reap(children_[i])) {
        done.emplace_back(children_[i].tag, std::move(children_[i].result));
        children_.erase(children_.begin() + long(i));
      } else {
        ++i;
      }
    }
    if (!done.empty()) return done;
    Pump(20);
  }
}

}  // namespace mnemo::internal
