// Connections with egress work, in the order they became dirty (the egress
// pass visits only these; DESIGN.md "Egress visits only dirty connections").
// Intrusive: the owner embeds (inherits) a DirtyHook, whose link doubles as
// the "queued" bit, so mark() on an already-dirty entry is an O(1) no-op
// and remove() on teardown is O(1). No allocation, no syscalls.
#pragma once

#include <cstddef>

namespace xtcp::stack {

class DirtyHook {
 public:
  DirtyHook() = default;
  DirtyHook(const DirtyHook&) = delete;
  DirtyHook& operator=(const DirtyHook&) = delete;
  // Leaving the list on destruction keeps a dead entry from being popped
  // and the list's size right.
  ~DirtyHook() { unlink(); }

  bool queued() const { return next_ != nullptr; }

 private:
  template <class T>
  friend class DirtyList;
  void unlink() {
    if (!next_) return;
    prev_->next_ = next_;
    next_->prev_ = prev_;
    prev_ = next_ = nullptr;
    if (count_) --*count_;
    count_ = nullptr;
  }
  DirtyHook* prev_ = nullptr;
  DirtyHook* next_ = nullptr;
  size_t* count_ = nullptr;  // the owning list's size while queued
};

// T must derive publicly from DirtyHook.
template <class T>
class DirtyList {
 public:
  DirtyList() { head_.prev_ = head_.next_ = &head_; }
  DirtyList(const DirtyList&) = delete;
  DirtyList& operator=(const DirtyList&) = delete;
  ~DirtyList() {
    while (pop()) {
    }
    head_.prev_ = head_.next_ = nullptr;
  }

  // Queues `e` at the back unless already queued; true if newly queued.
  bool mark(T& e) {
    DirtyHook& h = e;
    if (h.queued()) return false;
    h.prev_ = head_.prev_;
    h.next_ = &head_;
    head_.prev_->next_ = &h;
    head_.prev_ = &h;
    h.count_ = &size_;
    ++size_;
    return true;
  }

  // The oldest queued entry, dequeued; nullptr when empty.
  T* pop() {
    if (head_.next_ == &head_) return nullptr;
    DirtyHook* h = head_.next_;
    h->unlink();
    return static_cast<T*>(h);
  }

  // Dequeues `e` if queued (connection teardown); true if it was queued.
  // `e` must be queued on this list, if on any.
  bool remove(T& e) {
    DirtyHook& h = e;
    if (!h.queued()) return false;
    h.unlink();
    return true;
  }

  bool empty() const { return head_.next_ == &head_; }
  size_t size() const { return size_; }

 private:
  DirtyHook head_;
  size_t size_ = 0;
};

}  // namespace xtcp::stack
