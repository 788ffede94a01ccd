;;; emacs_e2e.el --- dockwise in a real Emacs with eglot, as a user has it  -*- lexical-binding: t -*-
;; Loaded after the snippet from docs/editors/emacs.md (the user's init). Opens
;; the Dockerfile, lets eglot connect, then does what a user does: diagnostics
;; (with the snippet's settings applied), hover, the MAINTAINER quick fix,
;; diagnostics after the edit, shutdown. Writes what it saw to
;; $DOCKWISE_E2E_OUT as JSON; the pytest test asserts. Every wait is bounded.

(require 'json)
(require 'cl-lib)

(defvar dockwise-e2e--out (getenv "DOCKWISE_E2E_OUT"))
(defvar dockwise-e2e--wait (/ (string-to-number (or (getenv "DOCKWISE_E2E_WAIT_MS") "20000")) 1000.0))
(defvar dockwise-e2e--result nil)

(defun dockwise-e2e--put (key value)
  (setq dockwise-e2e--result (plist-put dockwise-e2e--result key value)))

(defun dockwise-e2e--write ()
  (with-temp-file dockwise-e2e--out
    (insert (let ((json-encoding-pretty-print nil)) (json-encode dockwise-e2e--result)))))

(defun dockwise-e2e--idle ()
  "Run the idle timers, as Emacs does when the user stops typing (a batch
Emacs is never idle): eglot sends its didChange, flymake asks eglot again."
  (dolist (timer (copy-sequence timer-idle-list))
    (timer-event-handler timer))
  (when (bound-and-true-p flymake-mode) (flymake-start)))

(defun dockwise-e2e--wait-for (pred)
  "Run the event loop until PRED is non-nil or the wait runs out; PRED's value."
  (let ((deadline (+ (float-time) dockwise-e2e--wait)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      (dockwise-e2e--idle))
    value))

(defun dockwise-e2e--diags ()
  "Flymake's diagnostics in the buffer as [CODE LINE COLUMN END-LINE END-COLUMN] (0-based)."
  (when (bound-and-true-p flymake-mode)
    (sort (mapcar (lambda (d)
                    (let ((text (flymake-diagnostic-text d)))
                      (vector (and (string-match "\\[\\([A-Z]+[0-9]+\\)\\]" text) (match-string 1 text))
                            (save-excursion (goto-char (flymake-diagnostic-beg d)) (1- (line-number-at-pos)))
                            (save-excursion (goto-char (flymake-diagnostic-beg d)) (current-column))
                            (save-excursion (goto-char (flymake-diagnostic-end d)) (1- (line-number-at-pos)))
                            (save-excursion (goto-char (flymake-diagnostic-end d)) (current-column)))))
                  (flymake-diagnostics))
          (lambda (a b) (string< (format "%s" a) (format "%s" b))))))

(defun dockwise-e2e--codes () (mapcar (lambda (d) (aref d 0)) (dockwise-e2e--diags)))

(condition-case err
    (let ((file (getenv "DOCKWISE_E2E_FILE")))
      (find-file file)
      (dockwise-e2e--put :major_mode (symbol-name major-mode))
      (run-hooks 'post-command-hook)      ; eglot-ensure connects after the next command
      (let ((server (dockwise-e2e--wait-for (lambda () (eglot-current-server)))))
        (dockwise-e2e--put :connected (and server t))
        (when server
          (dockwise-e2e--put :server_name (plist-get (eglot--server-info server) :name))
          ;; diagnostics, with the snippet's ignore = DL3008 applied
          (dockwise-e2e--put :settings_applied
                             (and (dockwise-e2e--wait-for
                                   (lambda () (let ((c (dockwise-e2e--codes)))
                                                (and (member "DL4000" c) (not (member "DL3008" c))))))
                                  t))
          (dockwise-e2e--put :diagnostics (vconcat (dockwise-e2e--diags)))
          ;; hover on the base image
          (goto-char (point-min))
          (search-forward "python")
          (let ((hover (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams))))
            (dockwise-e2e--put :hover (plist-get (plist-get hover :contents) :value)))
          ;; the MAINTAINER quick fix, as M-x eglot-code-actions would apply it
          (goto-char (point-min))
          (forward-line 1)
          (let* ((beg (line-beginning-position)) (end (line-end-position))
                 ;; eglot's own request, as M-x eglot-code-actions makes it (not interactive: no menu)
                 (actions (eglot-code-actions beg end))
                 (titles (mapcar (lambda (a) (plist-get a :title)) actions))
                 (fix (cl-find-if (lambda (a) (string-match-p "LABEL" (plist-get a :title))) actions)))
            (dockwise-e2e--put :actions (vconcat titles))
            (when fix
              (when (and (not (plist-get fix :edit)) (plist-get fix :data))
                (setq fix (jsonrpc-request server :codeAction/resolve fix)))
              (eglot--apply-workspace-edit (plist-get fix :edit))
              (dockwise-e2e--put :line_after_fix
                                 (save-excursion (goto-char (point-min)) (forward-line 1)
                                                 (buffer-substring-no-properties (line-beginning-position)
                                                                                 (line-end-position))))
              (dockwise-e2e--put :update_ok
                                 (and (dockwise-e2e--wait-for
                                       (lambda () (let ((c (dockwise-e2e--codes)))
                                                    (and c (not (member "DL4000" c))))))
                                      t))
              (dockwise-e2e--put :diagnostics_after_fix (vconcat (dockwise-e2e--diags)))))
          ;; shutdown and exit, as the protocol has them: the server process ends by
          ;; itself with status 0 (eglot-shutdown would kill it right after `exit')
          (let ((proc (jsonrpc--process server)))
            (set-buffer-modified-p nil)
            (dockwise-e2e--put :shutdown_answered
                               (condition-case nil (progn (jsonrpc-request server :shutdown nil) t) (error nil)))
            (jsonrpc-notify server :exit nil)
            (dockwise-e2e--wait-for (lambda () (not (process-live-p proc))))
            (dockwise-e2e--put :server_exit (vector (symbol-name (process-status proc))
                                                    (process-exit-status proc)))
            (ignore-errors (eglot-shutdown server))))))
  (error (dockwise-e2e--put :lisp_error (format "%S" err))))

(dockwise-e2e--write)
(kill-emacs 0)
