/* The rollsim command line. */
#ifndef RS_CLI_H
#define RS_CLI_H

/* Runs the command line; returns the process exit code (0, 1, 2 or 130). */
int rs_cli_main(int argc, char **argv);

#endif
